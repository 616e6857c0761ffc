/**
 * Our service as users run it: the built library (`dist/`, so `npm run build` first), a ChatAgent per mock model with
 * an OpenAICompatibleModel pointed at the mock upstream, served by `createServer()`.
 *
 * Each agent is served under the upstream's own model name, so the load client sends the same body to the upstream,
 * the floor proxy and us. No system message: the upstream sees exactly the client's messages, as through the floor.
 *
 * Env: UPSTREAM_ORIGIN, BENCH_MODELS (comma-separated model names), BENCH_DIST (path of dist/index.js).
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { reportToRunner } from './bench-ipc';

type Library = typeof import('../src/index');

async function main(): Promise<void> {
  // Loaded at run time from dist/ so the bench measures the shipped build, and typechecks without one.
  const dist = process.env.BENCH_DIST ?? resolve(__dirname, '../dist/index.js');
  const library = createRequire(__filename)(dist) as Library;
  const origin = process.env.UPSTREAM_ORIGIN ?? 'http://127.0.0.1:8001';
  const models = (process.env.BENCH_MODELS ?? 'mock-k32').split(',');
  const agents: Record<string, InstanceType<Library['ChatAgent']>> = {};
  for (const model of models) {
    agents[model] = new library.ChatAgent({
      model: new library.OpenAICompatibleModel({ model, baseURL: `${origin}/v1`, apiKey: 'bench' }),
    });
  }
  const app = await library.createServer({ agents });
  await app.listen(0, '127.0.0.1');
  reportToRunner(app.getHttpServer());
}

void main();
