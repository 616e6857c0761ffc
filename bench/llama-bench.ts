/**
 * The embedded llama.cpp backend's cost: tokens per second and time to first token through the whole service (HTTP,
 * the official `openai` client, SSE) versus node-llama-cpp called directly, with the same GGUF, the same settings and
 * the same prompt, alternated in one run. The HTTP client runs in a child process, as a real client would.
 *
 *   npm run build && npx tsx bench/llama-bench.ts
 *
 * The models are random GGUFs written by the test utility (no download): `tiny` (0.5 MB, thousands of tokens/s, the
 * worst case for per-token overhead) and `small` (~100 MB f32, closer to a real model's per-token time).
 * Env: BENCH_DIST (built library, default dist/index.js), LLAMA_BENCH_MODELS (default `tiny,small`),
 * LLAMA_BENCH_TOKENS (per run, default 256), LLAMA_BENCH_ROUNDS (default 7), LLAMA_THREADS (default 1).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { buildTinyGguf, type TinyGgufOptions } from '../test/utils/tiny-gguf';

type Library = typeof import('../src/index');

const TOKENS = Number(process.env.LLAMA_BENCH_TOKENS ?? 256);
const ROUNDS = Number(process.env.LLAMA_BENCH_ROUNDS ?? 7);
const THREADS = Number(process.env.LLAMA_THREADS ?? 1);
const CONTEXT = 2048;
const SEED = 1;
const TEMPERATURE = 0.8;
const PROMPT = 'Write a long story about a lighthouse keeper.';
const SIZES: Record<string, TinyGgufOptions> = {
  tiny: { seed: 1 },
  small: { seed: 1, embeddingLength: 512, blockCount: 8, headCount: 8, feedForwardLength: 1408 },
};
/**
 * Both sides generate under the same grammar: one fixed JSON string of ASCII letters. A random model may otherwise end
 * its turn at any token (llama.cpp ignores bans on end-of-generation tokens) or write lone UTF-8 bytes that hold text
 * back; this way every run is exactly TOKENS tokens, each one text at once.
 */
const SCHEMA = { type: 'string', enum: ['abcdefghij'.repeat(Math.ceil(TOKENS / 10) + 10)] } as const;

interface Sample {
  ttftMs: number;
  tokensPerSecond: number;
  tokens: number;
}

async function direct(file: string): Promise<() => Promise<Sample>> {
  const lib = await import('node-llama-cpp');
  const llama = await lib.getLlama({ gpu: false, build: 'never', maxThreads: THREADS });
  const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: CONTEXT, sequences: 1, threads: THREADS });
  const sequence = context.getSequence();
  const chatWrapper = lib.resolveChatWrapper(model) ?? new lib.GeneralChatWrapper();
  const grammar = await llama.createGrammarForJsonSchema(SCHEMA);
  return async () => {
    const chat = new lib.LlamaChat({ contextSequence: sequence, chatWrapper });
    const before = sequence.tokenMeter.usedOutputTokens;
    const started = performance.now();
    let first = 0;
    await chat.generateResponse(
      [
        { type: 'user', text: PROMPT },
        { type: 'model', response: [] },
      ],
      {
        maxTokens: TOKENS,
        seed: SEED,
        temperature: TEMPERATURE,
        grammar,
        onTextChunk: (text) => {
          if (!first && text.length > 0) {
            first = performance.now();
          }
        },
      },
    );
    const ended = performance.now();
    chat.dispose({ disposeSequence: false });
    const tokens = sequence.tokenMeter.usedOutputTokens - before;
    return { ttftMs: first - started, tokensPerSecond: (tokens - 1) / ((ended - first) / 1000), tokens };
  };
}

interface Served {
  /** Through the official `openai` client (what users run; includes the SDK's own parsing). */
  run: () => Promise<Sample>;
  /** Through a bare `fetch` reading SSE bytes: the service's own cost, without the SDK's. */
  runRaw: () => Promise<Sample>;
  close(): Promise<void>;
}

type Via = 'openai' | 'raw';

/** The HTTP side of a measurement, run in a child process so the client's own parsing does not share our CPU time. */
function clientRequests(url: string): Record<Via, () => Promise<Sample>> {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'bench', maxRetries: 0 });
  const request = {
    model: 'bench',
    messages: [{ role: 'user' as const, content: PROMPT }],
    max_tokens: TOKENS,
    seed: SEED,
    temperature: TEMPERATURE,
    response_format: { type: 'json_schema' as const, json_schema: { name: 'fixed', schema: SCHEMA } },
    stream: true as const,
    stream_options: { include_usage: true },
  };
  return {
    openai: async () => {
      const started = performance.now();
      let first = 0;
      let tokens = 0;
      const stream = await client.chat.completions.create(request);
      for await (const chunk of stream) {
        if (!first && (chunk.choices[0]?.delta.content ?? '').length > 0) {
          first = performance.now();
        }
        tokens = chunk.usage?.completion_tokens ?? tokens;
      }
      const ended = performance.now();
      return { ttftMs: first - started, tokensPerSecond: (tokens - 1) / ((ended - first) / 1000), tokens };
    },
    raw: async () => {
      const started = performance.now();
      let first = 0;
      let text = '';
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      const decoder = new TextDecoder();
      for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
        const piece = decoder.decode(bytes, { stream: true });
        // The first chunk carries only the role; the first token is the first non-empty content.
        if (!first && /"content":"[^"]/.test(piece)) {
          first = performance.now();
        }
        text += piece;
      }
      const ended = performance.now();
      const tokens = Number(/"completion_tokens":(\d+)/.exec(text)?.[1] ?? 0);
      return { ttftMs: first - started, tokensPerSecond: (tokens - 1) / ((ended - first) / 1000), tokens };
    },
  };
}

/** Child process: answers `{ url, via }` messages with one measured request each. */
function runClientChild(): void {
  process.on('message', (message: { url: string; via: Via }) => {
    void clientRequests(message.url)
      [message.via]()
      .then((sample) => process.send!(sample));
  });
}

async function service(library: Library, file: string): Promise<Served> {
  const model = new library.LlamaCppModel({ model: file, threads: THREADS, contextSize: CONTEXT, parallel: 1 });
  await model.ready();
  const app = await library.createServer({ agents: { bench: new library.ChatAgent({ model }) } });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const child = fork(__filename, ['client'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const measure = (via: Via) =>
    new Promise<Sample>((resolve) => {
      child.once('message', (sample: Sample) => resolve(sample));
      child.send({ url, via });
    });
  return {
    run: () => measure('openai'),
    runRaw: () => measure('raw'),
    close: async () => {
      child.kill();
      await app.close();
      await model.close();
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'silent';
  process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD ??= 'true';
  const dist = process.env.BENCH_DIST ?? resolve(__dirname, '../dist/index.js');
  const library = createRequire(__filename)(dist) as Library;
  const dir = mkdtempSync(join(tmpdir(), 'llama-bench-'));
  const rows: string[] = [];
  for (const size of (process.env.LLAMA_BENCH_MODELS ?? 'tiny,small').split(',')) {
    const file = join(dir, `${size}.gguf`);
    writeFileSync(file, buildTinyGguf(SIZES[size]));
    const runDirect = await direct(file);
    const served = await service(library, file);
    const samples = { direct: [] as Sample[], service: [] as Sample[], raw: [] as Sample[] };
    await runDirect();
    await served.run();
    await served.runRaw();
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so drift (thermal, other load) hits every side alike.
      const order = [
        async () => samples.direct.push(await runDirect()),
        async () => samples.service.push(await served.run()),
        async () => samples.raw.push(await served.runRaw()),
      ];
      for (let i = 0; i < order.length; i++) {
        await order[(i + round) % order.length]();
      }
    }
    await served.close();
    const stats = (list: Sample[]) => ({
      tps: median(list.map((x) => x.tokensPerSecond)),
      ttft: median(list.map((x) => x.ttftMs)),
      tokens: median(list.map((x) => x.tokens)),
    });
    const d = stats(samples.direct);
    for (const [via, list] of [
      ['openai client', samples.service],
      ['raw fetch', samples.raw],
    ] as const) {
      const s = stats(list);
      rows.push(
        `| ${size} | ${via} | ${d.tokens} / ${s.tokens} | ${d.tps.toFixed(0)} | ${s.tps.toFixed(0)} | ` +
          `${(((d.tps - s.tps) / d.tps) * 100).toFixed(1)}% | ${d.ttft.toFixed(1)} | ${s.ttft.toFixed(1)} | ` +
          `${(s.ttft - d.ttft).toFixed(1)} |`,
      );
    }
  }
  console.log(
    `\nllama bench: ${ROUNDS} rounds (medians), ${THREADS} thread(s), seed ${SEED}, temperature ${TEMPERATURE}\n`,
  );
  console.log(
    '| model | client (own process) | tokens (direct / service) | direct tok/s | service tok/s | throughput cost | direct TTFT ms | service TTFT ms | added TTFT ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  rows.forEach((row) => console.log(row));
  process.exit(0);
}

if (process.argv[2] === 'client') {
  runClientChild();
} else {
  void main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
