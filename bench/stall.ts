/**
 * Event-loop stalls from large bodies (issue 12): the built service (`dist/main.js`, so `npm run build` first) gets
 * the largest bodies it accepts, one at a time, while `/health` is timed every few milliseconds from outside. A body
 * that holds the service's event loop shows as a `/health` answer that waits as long. Target: no request under the
 * body limit holds the loop over 100 ms, so the `/health` maximum stays near it.
 *
 *   npx tsx bench/stall.ts           # the measurement (about a minute)
 *   npx tsx bench/stall.ts --list    # the bodies only: sizes and whether the JSON shape bounds let them in
 *
 * Three processes, each on its own: the service (pinned to CPU 0 when `taskset` exists), the mock upstream (a child,
 * so the upstream reading 10 MB requests does not delay the timer), and this one (the `/health` timer and the sender).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FromServer } from './bench-ipc';
import { freePort, median, sleep, waitHealthy } from './service-process';

const ROOT = resolve(__dirname, '..');
/** `STALL_MAIN=/path/to/other/dist/main.js`: the build to measure (default: this checkout's). */
const MAIN = process.env.STALL_MAIN ?? join(ROOT, 'dist', 'main.js');
/** The service's default BODY_LIMIT is 10mb (10,485,760 bytes): every accepted body stays just under it. */
const TARGET_BYTES = 10_300_000;
const ROUNDS = Number(process.env.STALL_ROUNDS ?? 5);
/** `STALL_ONLY='gzip|nested'`: only the bodies whose names contain one of these words. */
const ONLY = process.env.STALL_ONLY?.split('|').filter(Boolean);
/** `STALL_PROFILE=1`: a `--cpu-prof` of the service in bench/results/profiles/ (read with bench/long-tasks.ts). */
const PROFILE = process.env.STALL_PROFILE === '1';
const HEALTH_EVERY_MS = 5;

interface BodyKind {
  name: string;
  /** The status the service should answer. */
  expect: number;
  make: () => Buffer;
  headers?: Record<string, string>;
}

const user = (content: string) => ({ role: 'user', content });
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const fill = (bytesEach: number) => 'lorem ipsum '.repeat(Math.ceil(bytesEach / 12)).slice(0, bytesEach);

function biggestMessages(): object {
  return { model: 'camel-model', messages: Array.from({ length: 2048 }, () => user(fill(4_980))) };
}

const KINDS: BodyKind[] = [
  { name: '2,048 messages of 5 KB (10 MB)', expect: 200, make: () => json(biggestMessages()) },
  { name: 'one 10 MB message', expect: 200, make: () => json({ messages: [user(fill(TARGET_BYTES - 100))] }) },
  {
    name: '2,048 tool-call turns + 1,024 logit_bias',
    expect: 200,
    make: () => {
      const call = (i: number) => ({ id: `c${i}`, type: 'function', function: { name: 'f', arguments: fill(3_000) } });
      const messages: object[] = [];
      for (let i = 0; i < 1024; i++) {
        messages.push({ role: 'assistant', content: null, tool_calls: [call(i)] });
        messages.push({ role: 'tool', tool_call_id: `c${i}`, content: fill(6_600) });
      }
      const logitBias = Object.fromEntries(Array.from({ length: 1024 }, (_, i) => [String(i * 7), -1]));
      return json({ messages, logit_bias: logitBias, tools: [{ type: 'function', function: { name: 'f' } }] });
    },
  },
  {
    name: '128 tools, 250-property schemas (~97k items)',
    expect: 200,
    make: () => {
      const properties = Object.fromEntries(
        Array.from({ length: 250 }, (_, p) => [`p${p}`, { type: 'string', description: fill(265) }]),
      );
      const tools = Array.from({ length: 128 }, (_, t) => ({
        type: 'function',
        function: { name: `tool_${t}`, description: fill(200), parameters: { type: 'object', properties } },
      }));
      return json({ messages: [user('hi')], tools });
    },
  },
  {
    name: '32 messages of 1,024 parts (~98k items)',
    expect: 200,
    make: () => {
      const parts = Array.from({ length: 1024 }, () => ({ type: 'text', text: fill(285) }));
      return json({ messages: Array.from({ length: 32 }, () => ({ role: 'user', content: parts })) });
    },
  },
  {
    name: '97 objects of 1,024 keys, unknown field',
    expect: 200,
    make: () => {
      const object = Object.fromEntries(Array.from({ length: 1024 }, (_, k) => [`key_${k}`, fill(90)]));
      return json({ messages: [user('hi')], extra: Array.from({ length: 97 }, () => object) });
    },
  },
  {
    name: '99,990 numbers, unknown field',
    expect: 200,
    make: () => Buffer.from(`{"messages":[{"role":"user","content":"hi"}],"x":[${'1234567890,'.repeat(99_989)}0]}`),
  },
  {
    name: 'gzip of the 10 MB messages',
    expect: 200,
    make: () => gzipSync(json(biggestMessages())),
    headers: { 'content-encoding': 'gzip' },
  },
  {
    name: '2,048 messages of 5 KB, last one invalid',
    expect: 400,
    make: () => {
      const body = biggestMessages() as { messages: Array<{ role: string }> };
      body.messages[2047].role = 'bogus';
      return json(body);
    },
  },
  {
    name: '33,000 messages (over 2,048)',
    expect: 400,
    make: () => json({ messages: Array.from({ length: 33_000 }, () => user(fill(270))) }),
  },
  {
    name: '5 million numbers (over 100,000 items)',
    expect: 400,
    make: () => Buffer.from(`{"messages":[],"x":[${'0,'.repeat(5_000_000)}0]}`),
  },
  {
    name: 'nested 1,300 deep in 10 MB',
    expect: 400,
    make: () =>
      Buffer.from(
        `{"messages":[{"role":"user","content":"${fill(TARGET_BYTES - 3_000)}"}],"x":${'['.repeat(1300)}${']'.repeat(1300)}}`,
      ),
  },
];

async function main(): Promise<void> {
  if (process.argv.includes('--list')) {
    listBodies();
    return;
  }
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: run 'npm run build' first.`);
  }
  const pin = hasTaskset();
  const upstream = await startUpstream(pin);
  const port = await freePort();
  const profile = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench', 'results', 'profiles')}`] : [];
  const service = spawn(...command(pin, '0', [...profile, MAIN]), {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      OPENAI_BASE_URL: `${upstream.baseURL}`,
      OPENAI_API_KEY: 'bench',
      AGENT_MODEL: 'mock-k8',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, () => service.exitCode === null);
    const idle = await timeHealth(url, () => sleep(2_000));
    console.log(`node ${process.version}, ${pin ? 'service pinned to CPU 0, the rest to CPU 1' : 'no taskset'}`);
    console.log(`/health at idle (2 s): max ${idle.max.toFixed(1)} ms, p99 ${idle.p99.toFixed(1)} ms\n`);
    const rows: string[][] = [];
    let worst = 0;
    for (const kind of KINDS.filter(({ name }) => !ONLY || ONLY.some((word) => name.includes(word)))) {
      const body = kind.make();
      const statuses = new Set<number>();
      const took: number[] = [];
      const health = await timeHealth(url, async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const started = performance.now();
          statuses.add(await send(url, body, kind.headers));
          took.push(performance.now() - started);
        }
      });
      worst = Math.max(worst, health.max);
      const status =
        [...statuses].join('/') +
        (statuses.size === 1 && statuses.has(kind.expect) ? '' : ` (expected ${kind.expect})`);
      rows.push([
        kind.name,
        (body.length / 1e6).toFixed(2),
        status,
        median(took).toFixed(0),
        health.max.toFixed(1),
        health.p99.toFixed(1),
      ]);
    }
    printTable(['body', 'MB sent', 'status', 'request ms (median)', '/health max ms', '/health p99 ms'], rows);
    console.log(
      `\nworst /health latency while large bodies were served: ${worst.toFixed(1)} ms (target: under 100 ms)`,
    );
  } finally {
    service.kill('SIGTERM');
    upstream.child.kill('SIGTERM');
  }
}

/** Times `/health` back to back (a pause of HEALTH_EVERY_MS between answers) while `work` runs. */
async function timeHealth(url: string, work: () => Promise<unknown>): Promise<{ max: number; p99: number }> {
  const samples: number[] = [];
  let running = true;
  const timer = (async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(`${url}/health`);
      await response.arrayBuffer();
      samples.push(performance.now() - started);
      await sleep(HEALTH_EVERY_MS);
    }
  })();
  try {
    await work();
  } finally {
    running = false;
    await timer;
  }
  samples.sort((a, b) => a - b);
  return {
    max: samples.at(-1) ?? 0,
    p99: samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))] ?? 0,
  };
}

async function send(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

function listBodies(): void {
  // The service's own shape check, from the build: which bodies pass it, before any server is started.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { checkJsonShape } = require(join(ROOT, 'dist', 'common', 'http', 'json-shape.js')) as {
    checkJsonShape: (body: Buffer) => void;
  };
  for (const kind of KINDS) {
    const body = kind.make();
    let shape = 'passes the shape bounds';
    try {
      checkJsonShape(kind.headers ? Buffer.alloc(0) : body);
    } catch (error) {
      shape = `refused: ${(error as Error).message}`;
    }
    console.log(`${kind.name}: ${body.length} bytes, expect ${kind.expect}, ${kind.headers ? 'compressed' : shape}`);
  }
}

async function startUpstream(pin: boolean): Promise<{ child: ChildProcess; baseURL: string }> {
  const child = spawn(...command(pin, '1', ['--import', 'tsx', join(__dirname, 'mock-upstream.ts')]), {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((done, fail) => {
    child.once('exit', (code) => fail(new Error(`mock upstream exited with ${code}`)));
    child.on('message', (message: FromServer) => message.type === 'ready' && done(message.port));
  });
  return { child, baseURL: `http://127.0.0.1:${port}/v1` };
}

function command(pin: boolean, cpu: string, args: string[]): [string, string[]] {
  return pin ? ['taskset', ['-c', cpu, process.execPath, ...args]] : [process.execPath, args];
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function printTable(header: string[], rows: string[][]): void {
  const lines = [header, header.map(() => '---'), ...rows];
  for (const line of lines) {
    console.log(`| ${line.join(' | ')} |`);
  }
}

// This process pins itself to CPU 1 with the upstream, when it can: the service has CPU 0 to itself.
if (hasTaskset()) {
  try {
    execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  } catch {
    // a single-CPU machine: everything shares it
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
