import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './spawn-service';

export interface NginxProxy {
  url: string;
  stop(): Promise<void>;
}

const DEPLOY_CONF = join(__dirname, '..', '..', 'deploy', 'nginx.conf');

/**
 * Runs real nginx with the production config (deploy/nginx.conf) in front of `targets`: only the addresses change
 * (the compose service name becomes the test replicas, the port a free loopback one), plus an `x-served-by`
 * header naming the replica that answered. Fails (never skips) when nginx is not installed; CI installs it.
 */
export async function startNginxProxy(targets: string[]): Promise<NginxProxy> {
  if (spawnSync('nginx', ['-v']).error) {
    throw new Error('nginx is not installed: run `apt-get install -y nginx` (CI does it in .ci/run).');
  }
  const port = await freePort();
  const prefix = mkdtempSync(join(tmpdir(), 'nginx-'));
  const servers = targets.map((target) => `    server ${new URL(target).host};`).join('\n');
  const conf = readFileSync(DEPLOY_CONF, 'utf8')
    .replace(/^ {4}server api-replica:8000;$/m, servers)
    .replace(/listen 8080;/, `listen 127.0.0.1:${port};`)
    .replace(/^http \{$/m, `http {\n  access_log off;\n  client_body_temp_path ${prefix}/body;`)
    .replace(/location \/ \{/, 'location / {\n      add_header x-served-by $upstream_addr always;');
  if (/^[^#]*api-replica/m.test(conf)) {
    throw new Error('deploy/nginx.conf changed shape: update test/utils/proxy-nginx.ts');
  }
  const confPath = join(prefix, 'nginx.conf');
  writeFileSync(confPath, conf);
  const child: ChildProcess = spawn(
    'nginx',
    ['-p', prefix, '-c', confPath, '-g', `daemon off; pid ${prefix}/nginx.pid; error_log ${prefix}/error.log warn;`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`nginx exited with ${code}:\n${output}`))),
  );
  const ready = (async () => {
    for (let i = 0; i < 200; i++) {
      try {
        await fetch(`${url}/health`);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    throw new Error(`nginx did not start:\n${output}`);
  })();
  await Promise.race([ready, exited]);
  exited.catch(() => undefined);
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
