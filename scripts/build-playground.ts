/**
 * Bundles the playground (web/playground) into dist/playground: one ES module with its dependencies (the AG-UI
 * client, marked, DOMPurify), the stylesheet and the page. Nothing is fetched at run time, so the page works offline.
 *
 *   npx tsx scripts/build-playground.ts [outDir]
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * One zod for the whole page: `@ag-ui/client` brings its own zod 3 (for its `zod/v4` entry) beside the project's
 * zod 4 that `@ag-ui/core` uses; both resolve to the project's, which halves the bundle.
 */
const oneZod: Plugin = {
  name: 'one-zod',
  setup(build) {
    build.onResolve({ filter: /^zod(\/.*)?$/ }, ({ path, kind, pluginData }) =>
      pluginData === 'one-zod'
        ? undefined
        : build.resolve(path, { kind, resolveDir: resolve(__dirname, '..'), pluginData: 'one-zod' }),
    );
  },
};

export async function buildPlayground(outDir = resolve(__dirname, '..', 'dist', 'playground')): Promise<string> {
  const source = resolve(__dirname, '..', 'web', 'playground');
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(source, 'src', 'main.ts')],
    outfile: join(outDir, 'playground.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
    plugins: [oneZod],
  });
  await copyFile(join(source, 'index.html'), join(outDir, 'index.html'));
  await copyFile(join(source, 'playground.css'), join(outDir, 'playground.css'));
  return outDir;
}

if (require.main === module) {
  buildPlayground(process.argv[2] ? resolve(process.argv[2]) : undefined).then(
    (outDir) => console.log(`playground built into ${outDir}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
