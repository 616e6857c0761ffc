import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface SpawnedService {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Runs the built service (`node dist/main.js`) as a user would, with only the given environment. Resolves once
 * `/health` answers; rejects with the process output if it exits first.
 */
export async function spawnService(env: Record<string, string>): Promise<SpawnedService> {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: run 'npm run build' first (npm ci does it).`);
  }
  const { child, port, output: read } = await startChild(env);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`service exited with ${code}:\n${read()}`))),
  );
  const deadline = Date.now() + 20_000;
  const ready = (async () => {
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${url}/health`)).ok) {
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`service did not become healthy in time:\n${read()}`);
  })();
  await Promise.race([ready, exited]);
  exited.catch(() => undefined);
  return {
    child,
    url,
    output: read,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    },
  };
}

/** Runs the built service expecting it to refuse to start; resolves with its exit code and output. */
export async function runUntilExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { child, output } = await startChild(env);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output: output() };
}

/** The built service on a free loopback port, with only `env` (plus PATH) and its output captured. */
async function startChild(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, port, output: () => output };
}
