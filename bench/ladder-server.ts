/**
 * The cost ladder (`BENCH_LADDER=1`): the same hop built up one layer at a time, so a run shows what each layer of our
 * service costs on top of the one below, against the floor of the same run. Every rung answers both kinds of request.
 *
 * BENCH_LAYERS picks the rung:
 * - `nest`: a NestJS (platform-express) controller, Nest's JSON body parser, `undici.request` to the upstream on a
 *   keep-alive Agent; a completion's JSON answered as parsed, a stream's SSE bytes piped to the client unchanged.
 *   What the framework alone costs.
 * - `validation`: + our global validation pipe with our request DTO (Nest's ValidationPipe: class-transformer and
 *   class-validator, behind the fast verdict of FastValidationPipe).
 * - `model`: + the upstream call through our OpenAICompatibleModel (`generate()` / `stream()`: request mapping, undici
 *   client, lenient reading, the SSE decoder) instead of a bare `undici.request`; a stream's events written back as
 *   chat.completion.chunk frames by the minimal writer below.
 * - `agent`: + our ChatAgent (`run()` / `runStream()` with that model) instead of the bare model call.
 * Above these: the real service with what configuration can switch off switched off (`service-server` with the
 * runner's BARE_SERVICE_ENV), then the service with production defaults, the `chat-agent-server` target itself.
 *
 * Loads the built library from BENCH_DIST, like service-server. Env: UPSTREAM_ORIGIN, BENCH_LAYERS, BENCH_DIST.
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post, Res } from '@nestjs/common';
import { APP_PIPE, NestFactory } from '@nestjs/core';
import type { Response } from 'express';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream';
import { Agent } from 'undici';
import { reportToRunner } from './bench-ipc';

// Each rung loads only the files of its own layers from the build, so its idle RSS counts only them.
type Backend = typeof import('../src/core/backends/openai-compatible.model');
type AgentModule = typeof import('../src/core/chat-agent');
type Dtos = typeof import('../src/chat-completions/dto');
type Validation = typeof import('../src/common/validation/validation-options');
type Pipe = typeof import('../src/common/validation/fast-validation.pipe');

const layers = process.env.BENCH_LAYERS ?? 'nest';
const rung = ['nest', 'validation', 'model', 'agent'].indexOf(layers);
if (rung < 0) {
  throw new Error(`BENCH_LAYERS must be nest, validation, model or agent, not ${layers}`);
}
const dist = process.env.BENCH_DIST ?? resolve(__dirname, '../dist/index.js');
const load = createRequire(__filename);
const fromDist = <T>(path: string) => load(join(dirname(dist), path)) as T;
const origin = process.env.UPSTREAM_ORIGIN ?? 'http://127.0.0.1:8001';
const dispatcher = new Agent({ keepAliveTimeout: 60_000 });
const models = new Map<string, InstanceType<Backend['OpenAICompatibleModel']>>();
const agents = new Map<string, InstanceType<AgentModule['ChatAgent']>>();

interface Body {
  model: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

type StreamEvent = { type: string; text?: string; finishReason?: string; usage?: Usage };
interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

function modelFor(name: string): InstanceType<Backend['OpenAICompatibleModel']> {
  let model = models.get(name);
  if (!model) {
    model = new (fromDist<Backend>('core/backends/openai-compatible.model.js').OpenAICompatibleModel)({
      model: name,
      baseURL: `${origin}/v1`,
      apiKey: 'bench',
    });
    models.set(name, model);
  }
  return model;
}

function agentFor(name: string): InstanceType<AgentModule['ChatAgent']> {
  let agent = agents.get(name);
  if (!agent) {
    agent = new (fromDist<AgentModule>('core/chat-agent.js').ChatAgent)({ model: modelFor(name) });
    agents.set(name, agent);
  }
  return agent;
}

const wireUsage = (usage: Usage) => ({
  prompt_tokens: usage.promptTokens,
  completion_tokens: usage.completionTokens,
  total_tokens: usage.totalTokens,
});

function upstreamRequest(body: Body, signal?: AbortSignal) {
  const wire = body.stream
    ? { model: body.model, messages: body.messages, stream: true, stream_options: body.stream_options }
    : { model: body.model, messages: body.messages };
  return dispatcher.request({
    origin,
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(wire),
    signal,
  });
}

async function answer(body: Body): Promise<unknown> {
  if (rung < 2) {
    return (await upstreamRequest(body)).body.json();
  }
  if (rung === 2) {
    const result = await modelFor(body.model).generate({ messages: body.messages });
    return { choices: [{ index: 0, message: { role: 'assistant', content: result.content } }] };
  }
  const reply = await agentFor(body.model).run(body.messages);
  return {
    id: 'chatcmpl-ladder',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      { index: 0, message: { role: 'assistant', content: reply.message.content }, finish_reason: reply.finishReason },
    ],
    usage: wireUsage(reply.usage),
  };
}

/** The lower rungs: the upstream's SSE bytes piped through as they come, as a plain Nest controller would. */
async function pipeStream(body: Body, res: Response, signal: AbortSignal): Promise<void> {
  const upstream = await upstreamRequest(body, signal);
  res.writeHead(upstream.statusCode, {
    'content-type': String(upstream.headers['content-type'] ?? 'text/event-stream'),
    'cache-control': 'no-cache',
  });
  await new Promise<void>((done) => pipeline(upstream.body, res, () => done()));
}

/**
 * The upper rungs: the model's or the agent's events as OpenAI chunks, written the shortest honest way (`res.write`,
 * waiting for 'drain' when the socket asks): role first, content deltas, the finish, the usage when asked, [DONE].
 */
async function writeStream(body: Body, res: Response, signal: AbortSignal): Promise<void> {
  const events: AsyncIterable<StreamEvent> =
    rung === 2
      ? modelFor(body.model).stream({ messages: body.messages }, { signal })
      : agentFor(body.model).runStream(body.messages, { signal });
  const head = { id: 'chatcmpl-ladder', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000) };
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ ...head, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const write = async (frame: string) => {
    if (!res.write(frame) && !res.destroyed) {
      await once(res, 'drain', { signal }).catch(() => undefined);
    }
  };
  for await (const event of events) {
    if (!res.headersSent) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      await write(chunk({ role: 'assistant', content: '' }));
    }
    if (event.type === 'text') {
      await write(chunk({ content: event.text }));
    } else if (event.type === 'finish') {
      await write(chunk({}, event.finishReason));
      if (body.stream_options?.include_usage && event.usage) {
        await write(
          `data: ${JSON.stringify({ ...head, model: body.model, choices: [], usage: wireUsage(event.usage) })}\n\n`,
        );
      }
    }
  }
  res.end('data: [DONE]\n\n');
}

async function stream(body: Body, res: Response): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) {
      abort.abort();
    }
  });
  try {
    await (rung < 2 ? pipeStream(body, res, abort.signal) : writeStream(body, res, abort.signal));
  } catch {
    if (!res.headersSent) {
      res.status(502).json({ error: { message: 'upstream failed', type: 'upstream_error' } });
    } else {
      res.end();
    }
  }
}

@Controller('v1')
class LadderController {
  // `@Res()` so a stream can be written; a completion is sent as Nest's own reply would (status, then res.json).
  @Post('chat/completions')
  @HttpCode(200)
  async create(@Body() body: Body, @Res() res: Response): Promise<void> {
    if (body.stream) {
      return stream(body, res);
    }
    res.status(200).json(await answer(body));
  }
}
// The parameter's type as Nest's ValidationPipe sees it: our DTO from the build on the validation rungs.
Reflect.defineMetadata(
  'design:paramtypes',
  [rung >= 1 ? fromDist<Dtos>('chat-completions/dto/index.js').ChatCompletionRequestDto : Object, Object],
  LadderController.prototype,
  'create',
);

const pipes =
  rung >= 1
    ? [
        {
          provide: APP_PIPE,
          useValue: new (fromDist<Pipe>('common/validation/fast-validation.pipe.js').FastValidationPipe)(
            fromDist<Validation>('common/validation/validation-options.js').validationOptions,
          ),
        },
      ]
    : [];

@Module({ controllers: [LadderController], providers: pipes })
class LadderModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(LadderModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  reportToRunner(app.getHttpServer());
}

void main();
