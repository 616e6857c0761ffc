/**
 * Idle RSS of the built service (issue 10: under 120 MB with an upstream configured). Builds nothing: starts
 * `node dist/main.js` of each given checkout with an upstream configured (unreachable: idle means no request reaches
 * it), waits for `/health`, lets it settle, reads VmRSS from /proc and stops it. The checkouts take turns, round after
 * round, so both builds see the same machine state; the median of the rounds is reported.
 *
 *   npx tsx bench/idle-rss.ts                          # this checkout, 7 rounds, read 2 s after /health
 *   npx tsx bench/idle-rss.ts --rounds 5 /work/main .  # two builds, back to back
 *   npx tsx bench/idle-rss.ts --settle-ms 2000,40000   # also after V8's memory reducer (it runs ~30 s into idle)
 *
 * Production defaults only: no Node flags, no `--expose-gc`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, median, sleep, waitHealthy } from './service-process';

interface Options {
  rounds: number;
  settleMs: number[];
  checkouts: string[];
}

function parseArgs(argv: string[]): Options {
  const options: Options = { rounds: 7, settleMs: [2000], checkouts: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') {
      options.rounds = Number(argv[++i]);
    } else if (argv[i] === '--settle-ms') {
      options.settleMs = argv[++i].split(',').map(Number);
    } else {
      options.checkouts.push(resolve(argv[i]));
    }
  }
  if (options.checkouts.length === 0) {
    options.checkouts.push(resolve(__dirname, '..'));
  }
  return options;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1]) / 1024;
}

/** One start of one checkout: its RSS at each settle time after the first healthy answer. */
async function sample(checkout: string, settleMs: number[]): Promise<number[]> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(checkout, 'dist', 'main.js')], {
    cwd: checkout,
    env: {
      PATH: process.env.PATH ?? '',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      OPENAI_API_KEY: 'x',
      AGENT_MODEL: 'm',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  try {
    await waitHealthy(`http://127.0.0.1:${port}`, () => child.exitCode === null);
    const readings: number[] = [];
    let waited = 0;
    for (const at of [...settleMs].sort((a, b) => a - b)) {
      await sleep(at - waited);
      waited = at;
      readings.push(rssMb(child.pid!));
    }
    return readings;
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) {
      await new Promise((done) => child.once('exit', done));
    }
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  for (const checkout of options.checkouts) {
    if (!existsSync(join(checkout, 'dist', 'main.js'))) {
      throw new Error(`${checkout}/dist/main.js is missing: build it first`);
    }
  }
  const settle = [...options.settleMs].sort((a, b) => a - b);
  const results = new Map(options.checkouts.map((c) => [c, settle.map(() => [] as number[])]));
  for (let round = 1; round <= options.rounds; round++) {
    for (const checkout of options.checkouts) {
      const readings = await sample(checkout, settle);
      readings.forEach((mb, i) => results.get(checkout)![i].push(mb));
      console.log(`round ${round} ${checkout}: ${readings.map((mb) => mb.toFixed(1)).join(' / ')} MB`);
    }
  }
  console.log(`\nnode ${process.version}, ${options.rounds} rounds, VmRSS after /health answered:`);
  for (const [checkout, perSettle] of results) {
    const cells = perSettle.map((values, i) => {
      const spread = `${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)}`;
      return `+${settle[i] / 1000} s: median ${median(values).toFixed(1)} MB (${spread})`;
    });
    console.log(`  ${checkout}: ${cells.join('; ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
