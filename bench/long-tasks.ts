/**
 * The longest event-loop tasks of a V8 `.cpuprofile` (e.g. from `STALL_PROFILE=1 npx tsx bench/stall.ts`): runs of
 * consecutive samples that are not `(idle)`, each with its duration and where its time went (self time per function,
 * and per function of our own `dist/` that was on the stack).
 *
 * Usage: npx tsx bench/long-tasks.ts <file.cpuprofile> [tasks=5] [top=12]
 */
import { type Profile, type ProfileNode, readProfile } from './cpu-profile';

interface Task {
  start: number;
  end: number;
  samples: { node: number; micros: number }[];
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(node_modules|dist)\//, '$1/');
  return `${functionName || '(anonymous)'} ${file}${url ? `:${lineNumber + 1}` : ''}`;
}

function tasksOf(profile: Profile, byId: Map<number, ProfileNode>): Task[] {
  const tasks: Task[] = [];
  let current: Task | undefined;
  let time = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index + 1] ?? 0;
    time += profile.timeDeltas[index] ?? 0;
    if (byId.get(id)?.callFrame.functionName === '(idle)') {
      current = undefined;
      return;
    }
    if (!current) {
      current = { start: time, end: time, samples: [] };
      tasks.push(current);
    }
    current.end = time + micros;
    current.samples.push({ node: id, micros });
  });
  return tasks;
}

function top(totals: Map<string, number>, count: number): string[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => `    ${(micros / 1000).toFixed(1).padStart(7)} ms  ${name}`);
}

function main(): void {
  const [file, tasksArg, topArg] = process.argv.slice(2);
  if (!file) {
    throw new Error('usage: bench/long-tasks.ts <file.cpuprofile> [tasks] [top]');
  }
  const profile = readProfile(file);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parent.set(child, node.id);
    }
  }
  const longest = tasksOf(profile, byId)
    .sort((a, b) => b.end - b.start - (a.end - a.start))
    .slice(0, Number(tasksArg ?? 5));
  for (const task of longest) {
    const self = new Map<string, number>();
    const ours = new Map<string, number>();
    for (const { node, micros } of task.samples) {
      const name = label(byId.get(node)!);
      self.set(name, (self.get(name) ?? 0) + micros);
      const seen = new Set<string>();
      for (let id: number | undefined = node; id !== undefined; id = parent.get(id)) {
        const frame = byId.get(id)!;
        if (frame.callFrame.url.includes('/dist/')) {
          seen.add(label(frame));
        }
      }
      for (const name of seen) {
        ours.set(name, (ours.get(name) ?? 0) + micros);
      }
    }
    const ms = (task.end - task.start) / 1000;
    console.log(`task of ${ms.toFixed(1)} ms at ${(task.start / 1e6).toFixed(3)} s`);
    console.log('  self time:');
    console.log(top(self, Number(topArg ?? 12)).join('\n'));
    console.log('  our functions on the stack (inclusive):');
    console.log(top(ours, Number(topArg ?? 12)).join('\n'));
  }
}

main();
