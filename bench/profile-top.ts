/**
 * Prints the top frames of a V8 `.cpuprofile` (as written by `node --cpu-prof`, e.g. `BENCH_PROFILE=1 npm run bench`):
 * self time per function, and time per package (inclusive of nothing, self time only, grouped by node_modules path).
 *
 * Usage: npx tsx bench/profile-top.ts <file.cpuprofile> [top=30] [lastMs]
 * With lastMs, only the samples of the profile's last lastMs milliseconds count (our service is measured last in each
 * cell, so that is the window of its load, without startup and idle time).
 */
import { readProfile } from './cpu-profile';

function packageOf(url: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) {
    return match[1];
  }
  if (url.includes('/dist/')) {
    return 'our dist/';
  }
  if (url.startsWith('node:')) {
    return 'node core';
  }
  return url ? url : '(native/gc/idle)';
}

function main(): void {
  const [file, topArg, lastArg] = process.argv.slice(2);
  if (!file) {
    throw new Error('usage: bench/profile-top.ts <file.cpuprofile> [top]');
  }
  const top = Number(topArg ?? 30);
  const profile = readProfile(file);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  const at: number[] = [];
  profile.timeDeltas.reduce((t, delta, i) => (at[i] = t + delta), 0);
  const from = lastArg ? at[at.length - 1] - Number(lastArg) * 1000 : -Infinity;
  profile.samples.forEach((id, i) => {
    if (at[i] >= from) {
      selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
    }
  });
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame;
    const where = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/');
    const key = `${frame.functionName || '(anonymous)'}  ${where}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    const pkg = packageOf(frame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  }
  const print = (title: string, map: Map<string, number>, n: number) => {
    console.log(`\n${title}`);
    for (const [key, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      console.log(`${((micros / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
    }
  };
  // Inclusive time: every function on the sampled stack, once per sample.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parent.set(child, node.id);
    }
  }
  const inclusive = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!frame.url) {
        continue;
      }
      seen.add(
        `${frame.functionName || '(anonymous)'}  ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${frame.lineNumber + 1}`,
      );
    }
    for (const key of seen) {
      inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
    }
  }
  print('self time by package', byPackage, 15);
  print('self time by function', byFunction, top);
  print('inclusive time by function', inclusive, top);
}

main();
