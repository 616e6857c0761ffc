/**
 * The cost ladder (`BENCH_LADDER=1`): the same non-streaming hop built up one layer at a time, so a run shows what each
 * layer of our service costs on top of the one below, against the floor of the same run.
 *
 * BENCH_LAYERS picks the rung:
 * - `nest`: a NestJS (platform-express) controller, Nest's JSON body parser, `undici.request` to the upstream on a
 *   keep-alive Agent, the parsed JSON answered as is. What the framework alone costs.
 * - `validation`: + our global validation pipe with our request DTO (Nest's ValidationPipe: class-transformer and
 *   class-validator, behind the fast verdict of FastValidationPipe).
 * - `model`: + the upstream call through our OpenAICompatibleModel (`generate()`: request mapping, undici client,
 *   lenient answer reading) instead of a bare `undici.request`.
 * - `agent`: + our ChatAgent (`run()` with that model) instead of the bare model call.
 * The full service (logging, metrics, request context, guards, helmet, ...) is the `chat-agent-server` target itself.
 *
 * Loads the built library from BENCH_DIST, like service-server. Env: UPSTREAM_ORIGIN, BENCH_LAYERS, BENCH_DIST.
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { APP_PIPE, NestFactory } from '@nestjs/core';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Agent } from 'undici';
import { reportToRunner } from './bench-ipc';

type Library = typeof import('../src/index');
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
const library = load(dist) as Library;
const origin = process.env.UPSTREAM_ORIGIN ?? 'http://127.0.0.1:8001';
const dispatcher = new Agent({ keepAliveTimeout: 60_000 });
const models = new Map<string, InstanceType<Library['OpenAICompatibleModel']>>();
const agents = new Map<string, InstanceType<Library['ChatAgent']>>();

interface Body {
  model: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
}

function modelFor(name: string): InstanceType<Library['OpenAICompatibleModel']> {
  let model = models.get(name);
  if (!model) {
    model = new library.OpenAICompatibleModel({ model: name, baseURL: `${origin}/v1`, apiKey: 'bench' });
    models.set(name, model);
  }
  return model;
}

function agentFor(name: string): InstanceType<Library['ChatAgent']> {
  let agent = agents.get(name);
  if (!agent) {
    agent = new library.ChatAgent({ model: modelFor(name) });
    agents.set(name, agent);
  }
  return agent;
}

async function answer(body: Body): Promise<unknown> {
  if (rung < 2) {
    const upstream = await dispatcher.request({
      origin,
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: body.model, messages: body.messages }),
    });
    return upstream.body.json();
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
    usage: {
      prompt_tokens: reply.usage.promptTokens,
      completion_tokens: reply.usage.completionTokens,
      total_tokens: reply.usage.totalTokens,
    },
  };
}

@Controller('v1')
class LadderController {
  @Post('chat/completions')
  @HttpCode(200)
  create(@Body() body: Body): Promise<unknown> {
    return answer(body);
  }
}
// The parameter's type as Nest's ValidationPipe sees it: our DTO from the build on the validation rungs.
Reflect.defineMetadata(
  'design:paramtypes',
  [rung >= 1 ? fromDist<Dtos>('chat-completions/dto/index.js').ChatCompletionRequestDto : Object],
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
