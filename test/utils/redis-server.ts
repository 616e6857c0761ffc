import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { freePort } from './spawn-service';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a throwaway `redis-server` on a free loopback port, without persistence. Fails (never skips) when
 * redis-server is not installed: the replica tests need a real Redis, and CI installs it (`apt-get install
 * redis-server` in .ci/run).
 */
export async function startRedisServer(): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-server is not installed: run `apt-get install -y redis-server` (CI does it in .ci/run).');
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`redis-server exited with ${code}:\n${output}`));
    child.once('exit', onExit);
    const poll = setInterval(() => {
      const ping = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
      if (ping.stdout?.trim() === 'PONG') {
        clearInterval(poll);
        child.off('exit', onExit);
        resolve();
      }
    }, 50);
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    },
  };
}
