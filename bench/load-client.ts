/**
 * The load generator, in its own process (pinned apart from the server under test by the runner). Written on undici
 * rather than autocannon because we need sub-millisecond latencies and the time to the first streamed chunk.
 *
 * Jobs arrive over IPC:
 * - `closed`: `concurrency` workers each send a request, read the whole reply, and go again until `durationMs`.
 *   Records latency (non-streaming) or time to first chunk + total time (streaming).
 * - `paced`: opens `count` streams spread over `rampMs` and holds them until each ends; records failures, peak open
 *   streams and total times.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { quantile } from './bench-ipc';

export interface ClosedJob {
  kind: 'closed';
  url: string;
  body: string;
  concurrency: number;
  durationMs: number;
  stream: boolean;
}

export interface PacedJob {
  kind: 'paced';
  url: string;
  body: string;
  count: number;
  rampMs: number;
  timeoutMs: number;
}

export type LoadJob = ClosedJob | PacedJob;

export interface LoadResult {
  completed: number;
  failures: number;
  firstFailure?: string;
  wallMs: number;
  /** Milliseconds: latency (non-streaming) or total stream time. */
  p50Ms: number;
  p99Ms: number;
  ttfcP50Ms?: number;
  ttfcP99Ms?: number;
  peakOpen?: number;
}

interface One {
  ok: boolean;
  error?: string;
  ttfcMs: number;
  totalMs: number;
}

async function once(pool: Pool, path: string, body: string, stream: boolean, signal?: AbortSignal): Promise<One> {
  const started = performance.now();
  let ttfcMs = 0;
  try {
    const response = await pool.request({
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
      body,
      signal,
    });
    let tail = '';
    for await (const part of response.body) {
      if (ttfcMs === 0) {
        ttfcMs = performance.now() - started;
      }
      if (stream) {
        tail = (tail + (part as Buffer).toString('latin1')).slice(-32);
      }
    }
    const totalMs = performance.now() - started;
    if (response.statusCode !== 200) {
      return { ok: false, error: `status ${response.statusCode}`, ttfcMs, totalMs };
    }
    if (stream && !tail.endsWith('data: [DONE]\n\n')) {
      return { ok: false, error: `stream ended without [DONE]: ${JSON.stringify(tail)}`, ttfcMs, totalMs };
    }
    return { ok: true, ttfcMs, totalMs };
  } catch (error) {
    return { ok: false, error: String(error), ttfcMs, totalMs: performance.now() - started };
  }
}

function summarize(results: One[], wallMs: number, peakOpen?: number): LoadResult {
  const good = results.filter((r) => r.ok);
  const totals = good.map((r) => r.totalMs).sort((a, b) => a - b);
  const ttfcs = good.map((r) => r.ttfcMs).sort((a, b) => a - b);
  const failed = results.find((r) => !r.ok);
  return {
    completed: good.length,
    failures: results.length - good.length,
    firstFailure: failed?.error,
    wallMs,
    p50Ms: quantile(totals, 0.5),
    p99Ms: quantile(totals, 0.99),
    ttfcP50Ms: quantile(ttfcs, 0.5),
    ttfcP99Ms: quantile(ttfcs, 0.99),
    peakOpen,
  };
}

async function runClosed(job: ClosedJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const pool = new Pool(url.origin, { connections: job.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const results: One[] = [];
  const started = performance.now();
  const deadline = started + job.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      results.push(await once(pool, url.pathname, job.body, job.stream));
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  const wallMs = performance.now() - started;
  await pool.close();
  return summarize(results, wallMs);
}

async function runPaced(job: PacedJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const pool = new Pool(url.origin, { connections: job.count, pipelining: 1, keepAliveTimeout: 30_000 });
  const abort = new AbortController();
  // Every stream listens on the one signal.
  setMaxListeners(job.count + 10, abort.signal);
  const timeout = setTimeout(() => abort.abort(new Error('bench timeout')), job.timeoutMs);
  let open = 0;
  let peakOpen = 0;
  const started = performance.now();
  const streams = Array.from(
    { length: job.count },
    (_, i) =>
      new Promise<One>((resolve) => {
        setTimeout(
          () => {
            open++;
            peakOpen = Math.max(peakOpen, open);
            void once(pool, url.pathname, job.body, true, abort.signal).then((result) => {
              open--;
              resolve(result);
            });
          },
          (i * job.rampMs) / job.count,
        );
      }),
  );
  const results = await Promise.all(streams);
  const wallMs = performance.now() - started;
  clearTimeout(timeout);
  await pool.destroy();
  return summarize(results, wallMs, peakOpen);
}

process.on('message', (message: { id: number; job: LoadJob } | { type: 'exit' }) => {
  if (!('job' in message)) {
    process.exit(0);
  }
  const run = message.job.kind === 'closed' ? runClosed(message.job) : runPaced(message.job);
  void run.then((result) => process.send?.({ id: message.id, result }));
});
process.on('disconnect', () => process.exit(0));
