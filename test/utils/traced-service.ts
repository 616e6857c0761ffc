import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { freePort } from './spawn-service';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

export interface TracedService {
  client: OpenAI;
  output(): string;
  /** SIGTERM; resolves with the output once it exited (its last spans exported). */
  stop(): Promise<string>;
}

/** test/utils/traced-agent-server.ts in its own process, configured by `env` alone (plus PATH). */
export async function startTracedService(env: Record<string, string>): Promise<TracedService> {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    throw new Error("dist/ is missing: run 'npm run build' first (npm ci does it).");
  }
  const port = await freePort();
  const child = spawn(TSX, ['test/utils/traced-agent-server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<string>((resolve) => child.once('exit', () => resolve(output)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => output.includes('listening on') && resolve());
    void exited.then(() => reject(new Error(`the traced service exited:\n${output}`)));
  });
  return {
    client: new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'test-key', maxRetries: 0 }),
    output: () => output,
    stop: () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
      }
      return exited;
    },
  };
}

/** The OpenTelemetry SDK modules the service reported having loaded when it stopped. */
export function loadedSdkModules(output: string): string[] {
  const line = output.split('\n').find((l) => l.startsWith('otel-sdk-modules: '));
  if (!line) {
    throw new Error(`no module report in:\n${output}`);
  }
  return JSON.parse(line.slice('otel-sdk-modules: '.length)) as string[];
}

/** The service's JSON log line for one request (written when the response closes, so it may trail the answer). */
export async function logLineOf(service: TracedService, requestId: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 200; attempt++) {
    for (const line of service.output().split('\n')) {
      if (line.startsWith('{') && line.includes(requestId)) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.requestId === requestId) {
          return entry;
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no log line for ${requestId}:\n${service.output()}`);
}
