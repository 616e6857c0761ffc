/**
 * `npm run bench`: measures our service's own cost against the floor (node:http + undici.request, bodies piped) and
 * the mock upstream itself, in one run, on loopback. Servers under test run on CPU 0, the load client and the mock
 * upstream on CPU 1 (taskset), each in its own process. Writes bench/results/latest.json and prints a Markdown table.
 *
 * Env knobs: BENCH_DURATION_MS (per cell, default 4000), BENCH_CELLS (comma list of cell names to run),
 * BENCH_PROFILE=1 (writes a --cpu-prof of our service to bench/results/profiles), LOG_LEVEL (our service's; default
 * is the production default), BENCH_DIST (the build to measure, a dist/index.js), BENCH_COMPARE (another build,
 * measured in the same run as the target "compared build"; BENCH_COMPARE_ARGS: node flags for it, BENCH_COMPARE_ENV:
 * `NAME=value` pairs for it), BENCH_LADDER=1 (adds the cost ladder to every cell: the rungs of
 * bench/ladder-server.ts, then the service with what configuration can switch off switched off, BARE_SERVICE_ENV).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import ts from 'typescript';
import type { FromServer, ServerStats, ToChild } from './bench-ipc';
import type { LoadJob, LoadResult } from './load-client';

const ROOT = resolve(__dirname, '..');
const RESULTS = join(__dirname, 'results');
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const WARMUP_MS = 800;
const SERVER_CPU = '0';
const LOAD_CPU = '1';
const PACED = { count: 1000, rampMs: 1000, pieces: 100, paceMs: 50 };
const IDEAL_PACED_MS = (PACED.pieces + 1) * PACED.paceMs;
const PATH = '/v1/chat/completions';
const MODELS = ['mock-k32', `mock-k${PACED.pieces}-p${PACED.paceMs}`];
const LADDER_ON = process.env.BENCH_LADDER === '1';
// A bound on the whole run, whatever happens; the ladder's five more targets in every cell need longer.
const WATCHDOG_MIN = LADDER_ON ? 8 : 5;
const WATCHDOG = setTimeout(() => {
  console.error(`bench: watchdog fired after ${WATCHDOG_MIN} minutes; stopping`);
  process.exit(2);
}, WATCHDOG_MIN * 60_000);

const MESSAGES = [
  { role: 'system', content: 'You are a concise assistant for a hardware store. Answer in one short paragraph.' },
  { role: 'user', content: 'Which screws should I use to hang a 12 kg mirror on a plasterboard wall?' },
  {
    role: 'assistant',
    content: 'Use spring toggle or metal cavity anchors rated above 12 kg each, two of them, with 5 mm screws.',
  },
  { role: 'user', content: 'And if the wall is brick instead? Please also say which drill bit I need.' },
];

function body(stream: boolean, model = MODELS[0]): string {
  return JSON.stringify(
    stream
      ? { model, messages: MESSAGES, stream: true, stream_options: { include_usage: true } }
      : { model, messages: MESSAGES },
  );
}

class Child {
  private nextId = 0;
  private readonly waiting = new Map<number, (value: never) => void>();
  readonly ready: Promise<number>;

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    this.ready = new Promise((resolveReady, rejectReady) => {
      process.on('message', (message: FromServer | { id: number; result: LoadResult }) => {
        if ('type' in message && message.type === 'ready') {
          resolveReady(message.port);
          return;
        }
        const id = message.id;
        const done = this.waiting.get(id);
        this.waiting.delete(id);
        done?.(('stats' in message ? message.stats : message.result) as never);
      });
      process.on('exit', (code) => rejectReady(new Error(`${name} exited early (code ${code})`)));
    });
    // The load client never reports `ready`; its exit at the end is not an error.
    this.ready.catch(() => undefined);
  }

  stats(gc = false): Promise<ServerStats> {
    const id = this.nextId++;
    return new Promise((done) => {
      this.waiting.set(id, done);
      this.process.send({ type: 'stats', id, gc } satisfies ToChild);
    });
  }

  run(job: LoadJob): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise((done) => {
      this.waiting.set(id, done);
      this.process.send({ id, job });
    });
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null) {
      return;
    }
    const exited = new Promise((done) => this.process.once('exit', done));
    this.process.send({ type: 'exit' } satisfies ToChild);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The children run as plain JavaScript on plain `node`: a TypeScript loader in each would add ~40 MB of RSS and its
 * own startup work to every server measured. Transpiled to a temporary folder; NODE_PATH finds the project's packages.
 */
const BUILD = mkdtempSync(join(tmpdir(), 'chat-agent-bench-'));
for (const file of ['bench-ipc', 'mock-upstream', 'floor-proxy', 'service-server', 'ladder-server', 'load-client']) {
  const source = readFileSync(join(__dirname, `${file}.ts`), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      experimentalDecorators: true,
    },
  });
  writeFileSync(join(BUILD, `${file}.js`), outputText);
}

function start(name: string, file: string, cpu: string, env: Record<string, string>, nodeArgs: string[] = []): Child {
  const child = spawn('taskset', ['-c', cpu, process.execPath, '--expose-gc', ...nodeArgs, join(BUILD, `${file}.js`)], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_PATH: join(ROOT, 'node_modules'),
      BENCH_DIST: process.env.BENCH_DIST ?? join(ROOT, 'dist', 'index.js'),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Child(name, child);
}

interface CellResult {
  target: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ttfcP50Ms?: number;
  ttfcP99Ms?: number;
  cpuPerRequestUs: number;
  completed: number;
  failures: number;
  firstFailure?: string;
  peakOpen?: number;
  /** (RSS with every stream open − RSS at idle, before any load) / open streams: an upper bound, JIT warm-up included. */
  rssGrowthPerStreamKB?: number;
  /** The same from the RSS just before the cell (after the warm-up, GC'd): the streams' own growth; the target's. */
  rssGrowthSinceCellStartKB?: number;
  /**
   * (Heap in use + external memory with every stream open − the same at the cell's start, both after a GC) / open
   * streams: what the live objects of one open stream hold, which RSS (pages V8 keeps or returns) blurs.
   */
  heldPerStreamKB?: number;
}

interface Target {
  name: string;
  idleRssBytes?: number;
  url: string;
  server: Child;
}

async function closedCell(load: Child, target: Target, stream: boolean, concurrency: number): Promise<CellResult> {
  const job = (durationMs: number): LoadJob => ({
    kind: 'closed',
    url: target.url,
    body: body(stream),
    concurrency,
    durationMs,
    stream,
  });
  await load.run(job(WARMUP_MS));
  const before = await target.server.stats();
  const result = await load.run(job(DURATION_MS));
  const after = await target.server.stats();
  const row = toRow(target, result, after.cpuMicros - before.cpuMicros);
  return stream ? row : { ...row, ttfcP50Ms: undefined, ttfcP99Ms: undefined };
}

function toRow(target: Target, result: LoadResult, cpuMicros: number): CellResult {
  return {
    target: target.name,
    requestsPerSec: (result.completed / result.wallMs) * 1000,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    ttfcP50Ms: result.ttfcP50Ms,
    ttfcP99Ms: result.ttfcP99Ms,
    cpuPerRequestUs: cpuMicros / Math.max(1, result.completed + result.failures),
    completed: result.completed,
    failures: result.failures,
    firstFailure: result.firstFailure,
  };
}

async function pacedCell(load: Child, target: Target): Promise<CellResult> {
  const before = await target.server.stats(true);
  const running = load.run({
    kind: 'paced',
    url: target.url,
    body: body(true, MODELS[1]),
    count: PACED.count,
    rampMs: PACED.rampMs,
    timeoutMs: IDEAL_PACED_MS * 3 + PACED.rampMs,
  });
  // Every stream is open between the end of the ramp and the first stream's end (5.05 s after it opened).
  await new Promise((done) => setTimeout(done, PACED.rampMs + 1500));
  const peak = await target.server.stats(true);
  const result = await running;
  const after = await target.server.stats();
  return {
    ...toRow(target, result, after.cpuMicros - before.cpuMicros),
    peakOpen: result.peakOpen,
    rssGrowthPerStreamKB:
      (peak.rssBytes - (target.idleRssBytes ?? before.rssBytes)) / 1024 / Math.max(1, result.peakOpen ?? PACED.count),
    rssGrowthSinceCellStartKB: (peak.rssBytes - before.rssBytes) / 1024 / Math.max(1, result.peakOpen ?? PACED.count),
    heldPerStreamKB: (peak.heldBytes - before.heldBytes) / 1024 / Math.max(1, result.peakOpen ?? PACED.count),
  };
}

const CELLS: {
  name: string;
  title: string;
  streaming: boolean;
  run: (load: Child, target: Target) => Promise<CellResult>;
}[] = [
  // First, on a warm but not yet grown heap, so RSS growth is the streams' own.
  {
    name: 'paced-1000',
    title: `${PACED.count} paced streams (${PACED.pieces} chunks, ${PACED.paceMs} ms apart)`,
    streaming: true,
    run: pacedCell,
  },
  { name: 'json-c1', title: 'non-streaming, c1', streaming: false, run: (l, t) => closedCell(l, t, false, 1) },
  { name: 'json-c16', title: 'non-streaming, c16', streaming: false, run: (l, t) => closedCell(l, t, false, 16) },
  { name: 'json-c64', title: 'non-streaming, c64', streaming: false, run: (l, t) => closedCell(l, t, false, 64) },
  { name: 'sse32-c1', title: 'streaming 32 chunks, c1', streaming: true, run: (l, t) => closedCell(l, t, true, 1) },
  { name: 'sse32-c64', title: 'streaming 32 chunks, c64', streaming: true, run: (l, t) => closedCell(l, t, true, 64) },
];

/** The rungs of BENCH_LADDER, each on top of the one before. */
const LADDER = [
  { layers: 'nest', name: 'ladder: NestJS + undici' },
  { layers: 'validation', name: 'ladder: + validation pipe' },
  { layers: 'model', name: 'ladder: + OpenAICompatibleModel' },
  { layers: 'agent', name: 'ladder: + ChatAgent' },
];
const BARE_SERVICE = 'ladder: service, extras off';
/**
 * The top rung below the service as shipped: the same createServer() with every production extra that configuration
 * can switch off switched off (the request log line, the SSE keep-alive timer, the request timeout, the playground).
 * What stays on is not switchable: request id and context, metrics, guards (open), helmet's headers, the body checks.
 */
const BARE_SERVICE_ENV = { LOG_LEVEL: 'silent', SSE_KEEP_ALIVE_MS: '0', REQUEST_TIMEOUT_MS: '0', PLAYGROUND: 'false' };

const fmt = (value: number | undefined, digits = 2) =>
  value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);

function machine(): Record<string, string | number> {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  } catch {
    // Not a git checkout.
  }
  return {
    date: new Date().toISOString(),
    nproc: cpus().length,
    cpu: cpuModel ?? 'unknown',
    node: process.version,
    commit,
  };
}

/** The servers under test, started in parallel; the targets in the order each cell measures them. */
async function startTargets(origin: string): Promise<{ targets: Target[]; children: Child[] }> {
  const server = (name: string, file: string, env: Record<string, string>, args: string[] = []) =>
    start(name, file, SERVER_CPU, { UPSTREAM_ORIGIN: origin, ...env }, args);
  const models = { BENCH_MODELS: MODELS.join(',') };
  const starting: { name: string; child: Child }[] = [
    { name: 'floor proxy', child: server('floor', 'floor-proxy', {}) },
  ];
  if (LADDER_ON) {
    // The cost ladder: the same hop built up one layer at a time, each cell reading bottom to top.
    for (const { layers, name } of LADDER) {
      starting.push({ name, child: server(`ladder-${layers}`, 'ladder-server', { BENCH_LAYERS: layers }) });
    }
    starting.push({
      name: BARE_SERVICE,
      child: server('service-bare', 'service-server', { ...models, ...BARE_SERVICE_ENV }),
    });
  }
  const profileArgs =
    process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', '--cpu-prof-dir', join(RESULTS, 'profiles')] : [];
  starting.push({ name: 'chat-agent-server', child: server('service', 'service-server', models, profileArgs) });
  // Another build of the service, measured in the same run (before/after comparisons on a noisy machine).
  const compareDist = process.env.BENCH_COMPARE;
  if (compareDist) {
    const compareEnv = Object.fromEntries(
      (process.env.BENCH_COMPARE_ENV ?? '')
        .split(' ')
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    );
    const args = (process.env.BENCH_COMPARE_ARGS ?? '').split(' ').filter(Boolean);
    starting.push({
      name: 'compared build',
      child: server('compare', 'service-server', { ...models, BENCH_DIST: compareDist, ...compareEnv }, args),
    });
  }
  const targets: Target[] = [];
  for (const { name, child } of starting) {
    targets.push({ name, url: `http://127.0.0.1:${await child.ready}${PATH}`, server: child });
  }
  return { targets, children: starting.map(({ child }) => child) };
}

/**
 * RSS of a bare `node` (same flags as the servers, after a GC), alone and after only `require`-ing the build: what
 * loading the library's code costs, next to the service's idle RSS.
 */
function moduleLoadRssMB(): { nodeAlone: number; requireDist: number } {
  const dist = process.env.BENCH_DIST ?? join(ROOT, 'dist', 'index.js');
  const rss = (preload: string) =>
    Number(
      execFileSync(
        process.execPath,
        [
          '--expose-gc',
          '-e',
          `${preload}; gc(); process.stdout.write(String(process.memoryUsage().rss)); process.exit(0)`,
        ],
        { cwd: ROOT, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } },
      ),
    ) /
    1024 /
    1024;
  return { nodeAlone: rss('0'), requireDist: rss(`require(${JSON.stringify(dist)})`) };
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench does).');
  }
  const started = Date.now();
  const only = process.env.BENCH_CELLS?.split(',');
  const moduleLoad = moduleLoadRssMB();
  const mock = start('upstream', 'mock-upstream', LOAD_CPU, {});
  const origin = `http://127.0.0.1:${await mock.ready}`;
  const servers = await startTargets(origin);
  const load = start('load', 'load-client', LOAD_CPU, {});
  const children = [mock, load, ...servers.children];
  const targets: Target[] = [{ name: 'upstream (direct)', url: `${origin}${PATH}`, server: mock }, ...servers.targets];
  await new Promise((done) => setTimeout(done, 500));
  const idleRssMB: Record<string, number> = {};
  for (const target of targets) {
    target.idleRssBytes = (await target.server.stats(true)).rssBytes;
    idleRssMB[target.name] = target.idleRssBytes / 1024 / 1024;
  }
  // JIT warm-up of every server on both paths, so the first cell does not measure compilation.
  for (const target of targets) {
    for (const stream of [false, true]) {
      await load.run({
        kind: 'closed',
        url: target.url,
        body: body(stream),
        concurrency: 16,
        durationMs: WARMUP_MS * 2,
        stream,
      });
    }
  }
  const results = await runCells(load, targets, only);
  // What each server holds once the load is over (after a GC): memory the cells left behind.
  const afterLoadRssMB: Record<string, number> = {};
  const afterLoadHeapMB: Record<string, { committed: number; used: number }> = {};
  for (const target of targets) {
    const stats = await target.server.stats(true);
    afterLoadRssMB[target.name] = stats.rssBytes / 1024 / 1024;
    afterLoadHeapMB[target.name] = {
      committed: stats.heapCommittedBytes / 1024 / 1024,
      used: stats.heapUsedBytes / 1024 / 1024,
    };
  }
  await Promise.all(children.map((child) => child.stop()));

  const report = {
    machine: machine(),
    durationMsPerCell: DURATION_MS,
    runSeconds: Math.round((Date.now() - started) / 1000),
    moduleLoadRssMB: moduleLoad,
    idleRssMB,
    afterLoadRssMB,
    afterLoadHeapMB,
    results,
    ladder: LADDER_ON ? ladderSummary(results, idleRssMB, afterLoadRssMB, afterLoadHeapMB) : undefined,
    targets: checkTargets(results, idleRssMB, afterLoadRssMB),
  };
  mkdirSync(RESULTS, { recursive: true });
  // Formatted as the repository's format check expects, so a run leaves a clean tree.
  const latest = join(RESULTS, 'latest.json');
  const style = await resolveConfig(latest);
  writeFileSync(latest, await format(JSON.stringify(report), { ...style, parser: 'json' }));
  console.log(toMarkdown(report));
  rmSync(BUILD, { recursive: true, force: true });
  clearTimeout(WATCHDOG);
}

async function runCells(load: Child, targets: Target[], only?: string[]): Promise<Record<string, CellResult[]>> {
  const results: Record<string, CellResult[]> = {};
  for (const cell of CELLS) {
    if (only && !only.includes(cell.name)) {
      continue;
    }
    results[cell.name] = [];
    for (const target of targets) {
      const result = await cell.run(load, target);
      results[cell.name].push(result);
      console.error(
        `${cell.name.padEnd(11)} ${target.name.padEnd(32)} ${fmt(result.requestsPerSec, 0).padStart(7)}/s p50 ${fmt(result.p50Ms, 3)} ms  cpu ${fmt(result.cpuPerRequestUs, 0)} µs${result.failures ? `  FAILURES ${result.failures}: ${result.firstFailure}` : ''}`,
      );
    }
  }
  return results;
}

interface Check {
  target: string;
  value: string;
  met: boolean;
}

/** A target (issue 10): which cell, how our row compares to the floor's, and the bound. */
interface Rule {
  cell: string;
  target: string;
  measure: (ours: CellResult, floor: CellResult) => number;
  unit: string;
  met: (value: number) => boolean;
}

const cpuRatio = (o: CellResult, f: CellResult) => o.cpuPerRequestUs / f.cpuPerRequestUs;
const atMost = (bound: number) => (v: number) => v <= bound;
const rule = (cell: string, target: string, unit: string, met: Rule['met'], measure: Rule['measure']): Rule => ({
  cell,
  target,
  unit,
  met,
  measure,
});

const RULES: Rule[] = [
  rule(
    'json-c16',
    'non-streaming c16: req/s >= 0.5 of floor',
    '',
    (v) => v >= 0.5,
    (o, f) => o.requestsPerSec / f.requestsPerSec,
  ),
  rule('json-c16', 'non-streaming c16: CPU/request <= 2x floor', 'x', atMost(2), cpuRatio),
  rule('sse32-c64', 'streaming 32 chunks c64: CPU/stream <= 2x floor', 'x', atMost(2), cpuRatio),
  rule(
    'sse32-c1',
    'streaming 32 chunks c1: added p50 TTFC <= 1 ms',
    ' ms',
    atMost(1),
    (o, f) => (o.ttfcP50Ms ?? NaN) - (f.ttfcP50Ms ?? NaN),
  ),
  rule(
    'paced-1000',
    `${PACED.count} paced streams: no failure`,
    ' failed',
    atMost(0),
    (o) => PACED.count - o.completed,
  ),
  rule('paced-1000', 'paced: p99 total <= 1.5x the ideal 5.05 s', 'x', atMost(1.5), (o) => o.p99Ms / IDEAL_PACED_MS),
];

function checkTargets(
  results: Record<string, CellResult[]>,
  idleRssMB: Record<string, number>,
  afterLoadRssMB: Record<string, number>,
): Check[] {
  const checks: Check[] = [];
  for (const rule of RULES) {
    const rows = results[rule.cell];
    const floor = rows?.find((r) => r.target === 'floor proxy');
    const ours = rows?.find((r) => r.target === 'chat-agent-server');
    if (floor && ours) {
      const value = rule.measure(ours, floor);
      const digits = { x: 2, ' ms': 3, ' KB': 1, ' failed': 0 }[rule.unit] ?? 2;
      checks.push({
        target: rule.target,
        value: `${value.toFixed(digits)}${rule.unit}`,
        met: rule.met(value),
      });
    }
  }
  const idle = idleRssMB['chat-agent-server'];
  checks.push({ target: 'idle RSS < 120 MB', value: `${idle.toFixed(1)} MB`, met: idle < 120 });
  const loaded = afterLoadRssMB['chat-agent-server'];
  checks.push({ target: 'RSS after the load cells < 150 MB', value: `${loaded.toFixed(1)} MB`, met: loaded < 150 });
  return checks;
}

interface LadderRow {
  measure: string;
  /** What the value in brackets compares each value to. */
  versus: 'floor' | 'ideal' | 'floor, added' | 'none';
  values: (number | null)[];
}

interface Ladder {
  targets: string[];
  rows: LadderRow[];
}

/** One row per measure, one column per rung (floor first, the service as shipped last): the ladder cell by cell. */
function ladderSummary(
  results: Record<string, CellResult[]>,
  idleRssMB: Record<string, number>,
  afterLoadRssMB: Record<string, number>,
  afterLoadHeapMB: Record<string, { committed: number; used: number }>,
): Ladder {
  const targets = ['floor proxy', ...LADDER.map((rung) => rung.name), BARE_SERVICE, 'chat-agent-server'];
  const rows: LadderRow[] = [];
  const row = (
    measure: string,
    versus: LadderRow['versus'],
    cell: string,
    pick: (r: CellResult) => number | undefined,
  ) => {
    const cellRows = results[cell];
    if (cellRows) {
      const value = (target: string) => cellRows.find((r) => r.target === target);
      rows.push({ measure, versus, values: targets.map((t) => pickOrNull(value(t), pick)) });
    }
  };
  for (const cell of CELLS) {
    row(`${cell.title}: CPU µs per request`, 'floor', cell.name, (r) => r.cpuPerRequestUs);
  }
  row('streaming 32 chunks, c1: TTFC p50 ms', 'floor, added', 'sse32-c1', (r) => r.ttfcP50Ms);
  row('paced streams: p99 total ms', 'ideal', 'paced-1000', (r) => r.p99Ms);
  row(
    'paced streams: RSS per open stream over the cell start, KB',
    'floor',
    'paced-1000',
    (r) => r.rssGrowthSinceCellStartKB,
  );
  row('paced streams: heap and buffers held per open stream, KB', 'floor', 'paced-1000', (r) => r.heldPerStreamKB);
  rows.push({ measure: 'idle RSS MB', versus: 'floor', values: targets.map((t) => idleRssMB[t] ?? null) });
  rows.push({
    measure: 'RSS after the load cells MB',
    versus: 'floor',
    values: targets.map((t) => afterLoadRssMB[t] ?? null),
  });
  rows.push({
    measure: 'after the load cells: V8 heap committed MB',
    versus: 'floor',
    values: targets.map((t) => afterLoadHeapMB[t]?.committed ?? null),
  });
  rows.push({
    measure: 'after the load cells: V8 heap in use MB',
    versus: 'floor',
    values: targets.map((t) => afterLoadHeapMB[t]?.used ?? null),
  });
  return { targets, rows };
}

function pickOrNull(row: CellResult | undefined, pick: (r: CellResult) => number | undefined): number | null {
  const value = row ? pick(row) : undefined;
  return value === undefined || Number.isNaN(value) ? null : value;
}

function ladderMarkdown(ladder: Ladder): string[] {
  const cell = (value: number | null, floor: number | null, versus: LadderRow['versus']) => {
    if (value === null) {
      return '–';
    }
    const digits = value >= 100 ? 0 : value >= 10 ? 1 : 3;
    const shown = value.toFixed(digits);
    if (versus === 'ideal') {
      return `${shown} (${fmt(value / IDEAL_PACED_MS)}× ideal)`;
    }
    if (floor === null || versus === 'none') {
      return shown;
    }
    return versus === 'floor' ? `${shown} (${fmt(value / floor)}×)` : `${shown} (+${fmt(value - floor, 3)})`;
  };
  return [
    `| measure | ${ladder.targets.join(' | ')} |`,
    `| --- | ${ladder.targets.map(() => '---:').join(' | ')} |`,
    ...ladder.rows.map(
      (row) => `| ${row.measure} | ${row.values.map((value) => cell(value, row.values[0], row.versus)).join(' | ')} |`,
    ),
  ];
}

function toMarkdown(report: {
  machine: Record<string, string | number>;
  durationMsPerCell: number;
  runSeconds: number;
  moduleLoadRssMB: { nodeAlone: number; requireDist: number };
  idleRssMB: Record<string, number>;
  afterLoadRssMB: Record<string, number>;
  afterLoadHeapMB: Record<string, { committed: number; used: number }>;
  results: Record<string, CellResult[]>;
  ladder?: Ladder;
  targets: Check[];
}): string {
  const rss = (values: Record<string, number>) =>
    Object.entries(values)
      .map(([k, v]) => `${k} ${v.toFixed(1)} MB`)
      .join(', ');
  const m = report.machine;
  const load = report.moduleLoadRssMB;
  const lines = [
    `Run ${m.date} on ${m.nproc} × ${m.cpu}, Node ${m.node}, commit ${m.commit}; ${report.durationMsPerCell} ms per cell; ${report.runSeconds} s in all.`,
    '',
    ...cellsMarkdown(report.results),
    '',
    `Idle RSS: ${rss(report.idleRssMB)}.`,
    '',
    `RSS after the load cells: ${rss(report.afterLoadRssMB)}.`,
    '',
    `Of it, V8's heap (committed / in use, after a full GC): ${Object.entries(report.afterLoadHeapMB)
      .map(([k, v]) => `${k} ${v.committed.toFixed(1)} / ${v.used.toFixed(1)} MB`)
      .join(', ')}.`,
    '',
    `Code loaded: a bare \`node\` ${load.nodeAlone.toFixed(1)} MB of RSS, the same after \`require\`-ing the build ${load.requireDist.toFixed(1)} MB (+${(load.requireDist - load.nodeAlone).toFixed(1)} MB); the service idles at ${(report.idleRssMB['chat-agent-server'] ?? NaN).toFixed(1)} MB.`,
    '',
  ];
  if (report.ladder) {
    lines.push(
      'The cost ladder, cell by cell (in brackets: against the floor, or the ideal paced time; TTFC: ms added):',
      '',
      ...ladderMarkdown(report.ladder),
      '',
    );
  }
  lines.push('| target | measured | met |', '| --- | --- | --- |');
  for (const check of report.targets) {
    lines.push(`| ${check.target} | ${check.value} | ${check.met ? 'yes' : '**no**'} |`);
  }
  return `${lines.join('\n')}\n`;
}

function cellsMarkdown(results: Record<string, CellResult[]>): string[] {
  const lines = [
    '| cell | target | req/s | p50 ms | p99 ms | TTFC p50 ms | CPU µs/req | vs floor: req/s | vs floor: CPU | failures |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const cell of CELLS) {
    const rows = results[cell.name];
    if (!rows) {
      continue;
    }
    const floor = rows.find((r) => r.target === 'floor proxy');
    for (const row of rows) {
      const extra =
        row.peakOpen !== undefined
          ? ` (peak open ${row.peakOpen}; RSS per open stream: +${fmt(row.rssGrowthPerStreamKB, 1)} KB over idle, ${fmt(row.rssGrowthSinceCellStartKB, 1)} KB over the cell's start; heap and buffers held per open stream: ${fmt(row.heldPerStreamKB, 1)} KB)`
          : '';
      lines.push(
        `| ${cell.title} | ${row.target} | ${fmt(row.requestsPerSec, 0)} | ${fmt(row.p50Ms, 3)} | ${fmt(row.p99Ms, 3)} | ${fmt(row.ttfcP50Ms, 3)} | ${fmt(row.cpuPerRequestUs, 0)} | ${floor ? fmt(row.requestsPerSec / floor.requestsPerSec) : '–'} | ${floor ? fmt(row.cpuPerRequestUs / floor.cpuPerRequestUs) : '–'} | ${row.failures}${extra} |`,
      );
    }
  }
  return lines;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
