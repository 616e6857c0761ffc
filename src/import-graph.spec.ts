import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

/** Every non-spec source file under src/, with the src/ files it imports (type-only imports included). */
function importGraph(root: string): Map<string, string[]> {
  const files = (readdirSync(root, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => join(root, file));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => resolve(dirname(file), name.replace(/\.js$/, '')))
      .flatMap((base) => [`${base}.ts`, join(base, 'index.ts')].filter((candidate) => known.has(candidate)));
    graph.set(file, targets);
  }
  return graph;
}

/** The strongly connected components with more than one file (or a file importing itself): the import cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) {
        found.push(component);
      }
    }
  };
  for (const node of graph.keys()) {
    if (!index.has(node)) {
      visit(node);
    }
  }
  return found;
}

describe('the import graph of src/', () => {
  const root = resolve(__dirname);
  const graph = importGraph(root);
  const name = (file: string) => relative(root, file);

  it('should read the whole tree', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get(join(root, 'index.ts'))?.length).toBeGreaterThan(5);
  });

  it('should have no import cycle', () => {
    expect(cycles(graph).map((component) => component.map(name).sort())).toEqual([]);
  });

  it('should keep the core free of imports from the service around it', () => {
    const outward = [...graph.entries()]
      .filter(([file]) => name(file).startsWith('core/'))
      .flatMap(([file, targets]) => targets.map((target) => [name(file), name(target)]))
      .filter(([, target]) => !target.startsWith('core/') && !target.startsWith('openai/'));
    expect(outward).toEqual([]);
  });

  it('should find a cycle when there is one', () => {
    const a = join(root, 'a.ts');
    const b = join(root, 'b.ts');
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toHaveLength(1);
  });
});
