import * as vm from 'node:vm';
import type * as NodeLlamaCppModule from 'node-llama-cpp' with { 'resolution-mode': 'import' };

export type NodeLlamaCpp = typeof NodeLlamaCppModule;

let loading: Promise<NodeLlamaCpp> | undefined;

/**
 * Loads the ESM-only `node-llama-cpp` from this CommonJS package, once, on first use, so a service that serves an
 * OpenAI upstream never loads llama.cpp at all.
 *
 * The compiled build keeps `import()` as a real dynamic import. Under a CommonJS transpiler (ts-jest, ts-node) the
 * same `import()` becomes `require()`, which cannot load an ES module with top-level await; then we fall back to
 * Node's own ESM loader through a function compiled in the main context.
 */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  loading ??= import('node-llama-cpp').catch((error: unknown) => {
    try {
      return importThroughMainContext<NodeLlamaCpp>('node-llama-cpp');
    } catch {
      throw error;
    }
  });
  return loading;
}

function importThroughMainContext<T>(specifier: string): Promise<T> {
  const importer = vm.runInThisContext('(specifier) => import(specifier)', {
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  }) as (specifier: string) => Promise<T>;
  return importer(specifier);
}
