import { readFileSync, writeFileSync } from 'node:fs';
import Ajv from 'ajv';
import OpenAI from 'openai';
import { SERVED_AGENTS, type ServedAgents } from '../src/agent/served-agents';
import { LlamaCppModel } from '../src/core/backends/llama-cpp/llama-cpp.model';
import { ChatAgent } from '../src/core/chat-agent';
import { ModelFactory } from '../src/core/model-factory';
import { closeNow, RecordingBackend } from './utils/llama-recording';
import { startServer, type TestServer } from './utils/test-server';
import { writeTinyGguf } from './utils/tiny-gguf';

/**
 * The embedded llama.cpp backend, end to end: a tiny random GGUF model written at setup, served by the real service,
 * called with the official `openai` client. A random model writes gibberish, so the assertions are about structure.
 */

jest.setTimeout(60_000);

const modelFile = writeTinyGguf({ seed: 7 });
/**
 * A random model may end its turn at any token, and llama.cpp ignores bans on end-of-generation tokens; so tests that
 * need a generation to run to its token limit (or until an abort) fix the reply with a grammar: one long JSON string,
 * which cannot end before its last character.
 */
const LONG_TEXT = 'abcdefghij'.repeat(200);
const longReply = {
  type: 'json_schema' as const,
  json_schema: { name: 'long', schema: { type: 'string', enum: [LONG_TEXT] } },
};

const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', enum: ['Paris', 'Rome', 'Oslo'] }, celsius: { type: 'boolean' } },
      required: ['city', 'celsius'],
      additionalProperties: false,
    },
  },
};
const timeTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', description: 'The time now', parameters: { type: 'object', properties: {} } },
};

describe('embedded llama.cpp backend through the service', () => {
  let model: LlamaCppModel;
  let recorder: RecordingBackend;
  let server: TestServer;
  let client: OpenAI;

  beforeAll(async () => {
    model = new LlamaCppModel({ model: modelFile, threads: 1, parallel: 2, contextSize: 2048 });
    recorder = new RecordingBackend(model);
    server = await startServer({
      agents: { tiny: new ChatAgent({ model: recorder, systemMessage: 'You are a test agent.' }) },
    });
    client = server.client;
    await model.ready();
  });

  afterAll(async () => {
    if (server) {
      await closeNow(server);
    }
    await model?.close();
  });

  it('answers a chat completion with real usage from the tokenizer', async () => {
    const completion = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Hello there' }],
      max_tokens: 12,
      seed: 1,
      temperature: 0.7,
      top_p: 0.9,
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('tiny');
    const choice = completion.choices[0];
    expect(choice.message.role).toBe('assistant');
    expect(typeof choice.message.content).toBe('string');
    expect(['stop', 'length']).toContain(choice.finish_reason);
    const usage = completion.usage!;
    // The system message, the user message and ChatML framing, counted by the model's own tokenizer.
    expect(usage.prompt_tokens).toBeGreaterThan('You are a test agent.Hello there'.length);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeLessThanOrEqual(12);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  it('cuts at max_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Count' }],
      max_tokens: 5,
      seed: 42,
      response_format: longReply,
    });
    expect(completion.choices[0].finish_reason).toBe('length');
    expect(completion.choices[0].message.content).toBe('"abcd');
    expect(completion.usage!.completion_tokens).toBe(5);
  });

  it('repeats a reply for the same seed from the same state, and varies it with the seed', async () => {
    // Fresh models: a warm prompt cache changes the batch arithmetic, so "same state" means a cold start here.
    const replies: string[] = [];
    for (const seed of [7, 7, 8]) {
      const fresh = new LlamaCppModel({ model: modelFile, threads: 1, contextSize: 512 });
      const result = await fresh.generate({
        messages: [{ role: 'user', content: 'Count' }],
        maxTokens: 24,
        seed,
        temperature: 1,
      });
      await fresh.close();
      replies.push(result.content!);
    }
    expect(replies[1]).toBe(replies[0]);
    expect(replies[2]).not.toBe(replies[0]);
  });

  it('streams tokens as SSE chunks with a usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Stream please' }],
      max_tokens: 16,
      seed: 3,
      response_format: longReply,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
    }
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const contentChunks = chunks.filter((c) => (c.choices[0]?.delta.content ?? '').length > 0);
    expect(contentChunks.length).toBeGreaterThan(1);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish!.choices[0].finish_reason).toBe('length');
    const usageChunk = chunks[chunks.length - 1];
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage!.completion_tokens).toBe(16);
    expect(usageChunk.usage!.prompt_tokens).toBeGreaterThan(0);
  });

  it('stops at a stop sequence, leaving it out', async () => {
    const completion = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Go' }],
      max_tokens: 40,
      response_format: longReply,
      stop: ['fg', 'xyz'],
    });
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.choices[0].message.content).toBe('"abcde');
  });

  it('replies with JSON that fits the json_schema, for 30 of 30 seeds', async () => {
    const schema = {
      type: 'object',
      properties: {
        ok: { type: 'boolean' },
        color: { type: 'string', enum: ['red', 'green', 'blue'] },
        size: { enum: ['S', 'M', 'L'] },
        flags: { type: 'array', items: { type: 'boolean' }, maxItems: 3 },
      },
      required: ['ok', 'color', 'size', 'flags'],
      additionalProperties: false,
    };
    const validate = new Ajv().compile(schema);
    for (let seed = 1; seed <= 30; seed++) {
      const completion = await client.chat.completions.create({
        model: 'tiny',
        messages: [{ role: 'user', content: 'Describe a shirt as JSON.' }],
        response_format: { type: 'json_schema', json_schema: { name: 'shirt', schema, strict: true } },
        max_tokens: 200,
        seed,
      });
      const content = completion.choices[0].message.content!;
      expect(completion.choices[0].finish_reason).toBe('stop');
      // The grammar's padding newlines are not part of the reply.
      expect(content).toBe(content.trim());
      const parsed: unknown = JSON.parse(content);
      expect(validate(parsed)).toBe(true);
    }
  });

  it('constrains json_object replies to a JSON object (complete ones parse)', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const completion = await client.chat.completions.create({
        model: 'tiny',
        messages: [{ role: 'user', content: 'Any JSON object.' }],
        response_format: { type: 'json_object' },
        max_tokens: 60,
        seed,
      });
      const content = completion.choices[0].message.content!;
      // A random model may still be inside a string at the token limit; what it wrote is JSON so far.
      expect(content.trimStart()[0]).toBe('{');
      if (completion.choices[0].finish_reason === 'stop') {
        expect(() => JSON.parse(content) as unknown).not.toThrow();
      }
    }
  });

  it('enforces json_schema on a streamed reply too', async () => {
    const schema = { type: 'object', properties: { yes: { type: 'boolean' } }, required: ['yes'] };
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'yes or no' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } },
      max_tokens: 100,
      seed: 9,
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(typeof (JSON.parse(text) as { yes: unknown }).yes).toBe('boolean');
  });

  it('refuses, with a 400 naming the parts, a json_schema the grammar cannot enforce', async () => {
    const schema = {
      type: 'object',
      properties: { code: { type: 'string', pattern: '^[A-Z]{3}$' }, n: { type: 'integer', minimum: 1 } },
    };
    const error = await client.chat.completions
      .create({
        model: 'tiny',
        messages: [{ role: 'user', content: 'x' }],
        response_format: { type: 'json_schema', json_schema: { name: 'bad', schema } },
        max_tokens: 5,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const badRequest = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(badRequest.param).toBe('response_format');
    expect(badRequest.message).toMatch(/#\/properties\/code\/pattern/);
    expect(badRequest.message).toMatch(/#\/properties\/n\/minimum/);
  });

  it('accepts anyOf (as oneOf) and replies with JSON that fits it', async () => {
    const schema = {
      type: 'object',
      properties: { answer: { anyOf: [{ type: 'boolean' }, { type: 'null' }] } },
      required: ['answer'],
    };
    const completion = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'x' }],
      response_format: { type: 'json_schema', json_schema: { name: 'maybe', schema } },
      max_tokens: 100,
      seed: 2,
    });
    expect(new Ajv().validate(schema, JSON.parse(completion.choices[0].message.content!))).toBe(true);
  });

  it('returns a required tool call, then reads the tool result back (round trip)', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'What is the weather in Paris?' },
    ];
    const first = await client.chat.completions.create({
      model: 'tiny',
      messages,
      tools: [weatherTool, timeTool],
      tool_choice: 'required',
      max_tokens: 80,
      seed: 11,
    });
    const choice = first.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    const calls = choice.message.tool_calls!;
    expect(calls.length).toBeGreaterThanOrEqual(1);
    const call = calls[0] as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toMatch(/^call_/);
    expect(call.type).toBe('function');
    expect(['get_weather', 'get_time']).toContain(call.function.name);
    const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
    if (call.function.name === 'get_weather') {
      expect(new Ajv().validate(weatherTool.function.parameters!, args)).toBe(true);
    }

    const second = await client.chat.completions.create({
      model: 'tiny',
      messages: [
        ...messages,
        choice.message,
        { role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temperature: 21, sky: 'clear' }) },
      ],
      tools: [weatherTool, timeTool],
      tool_choice: 'none',
      max_tokens: 10,
      seed: 11,
    });
    expect(second.choices[0].message.tool_calls ?? []).toEqual([]);
    expect(typeof second.choices[0].message.content).toBe('string');
    expect(['stop', 'length']).toContain(second.choices[0].finish_reason);
    // The call and its result were rendered into the prompt the model read (a byte-level vocab: ~1 token a char).
    const withoutTurn = await client.chat.completions.create({
      model: 'tiny',
      messages,
      tools: [weatherTool, timeTool],
      tool_choice: 'none',
      max_tokens: 1,
    });
    const rendered = call.function.name.length + call.function.arguments.length + '"temperature":21'.length;
    expect(second.usage!.prompt_tokens).toBeGreaterThan(withoutTurn.usage!.prompt_tokens + rendered);
  });

  it('honours a named tool_choice and streams the call with index, id and name first', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [timeTool, weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      max_tokens: 80,
      seed: 4,
      stream: true,
    });
    const deltas: OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finishReason: string | null = null;
    for await (const chunk of stream) {
      deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
    expect(finishReason).toBe('tool_calls');
    expect(deltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather' } });
    expect(deltas[0].id).toMatch(/^call_/);
    const args = deltas
      .filter((d) => d.index === 0)
      .map((d) => d.function?.arguments ?? '')
      .join('');
    expect(new Ajv().validate(weatherTool.function.parameters!, JSON.parse(args))).toBe(true);
  });

  it('never calls a tool with tool_choice none', async () => {
    const completion = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [weatherTool],
      tool_choice: 'none',
      max_tokens: 8,
      seed: 4,
    });
    expect(completion.choices[0].message.tool_calls ?? []).toEqual([]);
    expect(completion.choices[0].finish_reason).not.toBe('tool_calls');
  });

  it('stops generating when a streaming client disconnects', async () => {
    const before = recorder.outcomes.length;
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: 'tiny',
        messages: [{ role: 'user', content: 'Talk for a long time' }],
        max_tokens: 1900,
        response_format: longReply,
        seed: 1,
        stream: true,
      },
      { signal: controller.signal },
    );
    let received = 0;
    try {
      for await (const chunk of stream) {
        received += (chunk.choices[0]?.delta.content ?? '').length;
        if (received > 0) {
          controller.abort();
        }
      }
    } catch {
      // The SDK may end the iteration or throw an abort error; either way the client is gone.
    }
    expect(received).toBeGreaterThan(0);
    const outcomes = await recorder.ended(before + 1);
    expect(outcomes[before]).toBe('aborted');
  });

  it('stops generating when a non-streaming client disconnects', async () => {
    const before = recorder.outcomes.length;
    const controller = new AbortController();
    const request = client.chat.completions.create(
      {
        model: 'tiny',
        messages: [{ role: 'user', content: 'Talk for a long time' }],
        max_tokens: 1900,
        response_format: longReply,
        seed: 2,
      },
      { signal: controller.signal },
    );
    // Abort once the model holds a sequence, i.e. while it is generating.
    while (model.activity.active === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    controller.abort();
    await expect(request).rejects.toThrow();
    const outcomes = await recorder.ended(before + 1);
    expect(outcomes[before]).toBe('aborted');
  });

  it('is reachable through ModelFactory as llama:<path> without loading anything up front', async () => {
    const backend = ModelFactory.create(`llama:${modelFile}`);
    expect(backend).toBeInstanceOf(LlamaCppModel);
    expect((backend as LlamaCppModel).activity).toEqual({ active: 0, waiting: 0 });
    await backend.close?.();
  });
});

describe("the default model's chat format (Qwen: <tool_call> blocks, parallel calls)", () => {
  let model: LlamaCppModel;
  let server: TestServer;

  beforeAll(async () => {
    // The tiny model's template is ChatML; forcing the Qwen format exercises the path the default model takes.
    model = new LlamaCppModel({ model: modelFile, threads: 1, contextSize: 2048, chatFormat: 'qwen' });
    server = await startServer({ agents: { qwen: new ChatAgent({ model }) } });
    await model.ready();
  });

  afterAll(async () => {
    if (server) {
      await closeNow(server);
    }
    await model?.close();
  });

  it('makes exactly one call with parallel_tool_calls false, and reads its result back', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather?' }];
    const first = await server.client.chat.completions.create({
      model: 'qwen',
      messages,
      tools: [weatherTool],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_tokens: 200,
      seed: 1,
    });
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    const calls = first.choices[0].message
      .tool_calls as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall[];
    expect(calls).toHaveLength(1);
    expect(calls[0].function.name).toBe('get_weather');
    expect(new Ajv().validate(weatherTool.function.parameters!, JSON.parse(calls[0].function.arguments))).toBe(true);

    const second = await server.client.chat.completions.create({
      model: 'qwen',
      messages: [...messages, first.choices[0].message, { role: 'tool', tool_call_id: calls[0].id, content: 'sunny' }],
      tools: [weatherTool],
      tool_choice: 'none',
      max_tokens: 6,
      seed: 1,
    });
    expect(typeof second.choices[0].message.content).toBe('string');
    expect(second.choices[0].message.tool_calls ?? []).toEqual([]);
  });

  it('reports length, not tool_calls, when the token limit cuts the calls', async () => {
    const completion = await server.client.chat.completions.create({
      model: 'qwen',
      messages: [{ role: 'user', content: 'Weather everywhere?' }],
      tools: [weatherTool],
      tool_choice: 'required',
      max_tokens: 12,
      seed: 1,
    });
    expect(completion.choices[0].finish_reason).toBe('length');
    expect(completion.usage!.completion_tokens).toBe(12);
  });
});

describe('the embedded default (no upstream configured)', () => {
  const saved = { ...process.env };
  let server: TestServer;
  let model: LlamaCppModel;

  beforeAll(async () => {
    delete process.env.OPENAI_BASE_URL;
    delete process.env.OPENAI_API_KEY;
    Object.assign(process.env, {
      LLAMA_MODEL: modelFile,
      LLAMA_THREADS: '1',
      LLAMA_PARALLEL: '1',
      LLAMA_QUEUE_LIMIT: '1',
      LLAMA_CONTEXT_SIZE: '2048',
      SERVED_MODEL_NAME: 'local',
    });
    server = await startServer();
    const agents = server.app.get<ServedAgents>(SERVED_AGENTS);
    model = agents.get('local')!.model as LlamaCppModel;
    await model.ready();
  });

  afterAll(async () => {
    if (server) {
      await closeNow(server);
    }
    await model?.close();
    process.env = saved;
  });

  it('serves the LLAMA_MODEL file and lists it in /v1/models', async () => {
    expect(model).toBeInstanceOf(LlamaCppModel);
    const models = await server.client.models.list();
    expect(models.data.map((m) => m.id)).toContain('local');
    const completion = await server.client.chat.completions.create({
      model: 'local',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 4,
    });
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('queues requests beyond LLAMA_PARALLEL and answers 503 model_overloaded when the queue is full', async () => {
    const controller = new AbortController();
    const long = await server.client.chat.completions.create(
      {
        model: 'local',
        messages: [{ role: 'user', content: 'long' }],
        max_tokens: 1900,
        response_format: longReply,
        seed: 3,
        stream: true,
      },
      { signal: controller.signal },
    );
    const iterator = long[Symbol.asyncIterator]();
    await iterator.next(); // the role chunk: the long request holds the only sequence
    expect(model.activity).toEqual({ active: 1, waiting: 0 });

    const queued = server.client.chat.completions.create({
      model: 'local',
      messages: [{ role: 'user', content: 'short' }],
      max_tokens: 3,
    });
    while (model.activity.waiting === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }

    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local', messages: [{ role: 'user', content: 'one too many' }], max_tokens: 3 }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'server_error', code: 'model_overloaded', param: null });
    expect(typeof body.error.message).toBe('string');

    controller.abort();
    await iterator.return?.();
    const completion = await queued;
    expect(completion.choices[0].message.role).toBe('assistant');
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
  });
});

describe('a bad model file', () => {
  const served: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(served.map(closeNow));
  });

  async function errorFor(file: string): Promise<{ status: number; error: Record<string, unknown> }> {
    const model = new LlamaCppModel({ model: file, threads: 1 });
    await expect(model.ready()).rejects.toThrow(/not a usable GGUF model/);
    const server = await startServer({ agents: { broken: new ChatAgent({ model }) } });
    served.push(server);
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'broken', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await response.json()) as { error: Record<string, unknown> };
    return { status: response.status, error: body.error };
  }

  it('missing a key whose absence would abort llama.cpp is refused with a clear error', async () => {
    // Without the pre-check, llama.cpp would abort this whole test process on this file.
    const file = writeTinyGguf({ seed: 8, omitKeys: ['llama.attention.head_count'] });
    const { status, error } = await errorFor(file);
    expect(status).toBe(503);
    expect(error).toMatchObject({ type: 'server_error', code: 'model_unavailable' });
    expect(error.message).toMatch(/llama\.attention\.head_count/);
    expect(error.message).toMatch(/LLAMA_MODEL=/);
  });

  it('cut short (a truncated download) is refused', async () => {
    const file = writeTinyGguf({ seed: 9 });
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    const { status, error } = await errorFor(file);
    expect(status).toBe(503);
    expect(error.message).toMatch(/truncated/);
  });

  it('that is not GGUF at all is refused', async () => {
    const file = `${writeTinyGguf({ seed: 10 })}.txt`;
    writeFileSync(file, 'this is not a model\n');
    const { error } = await errorFor(file);
    expect(error.message).toMatch(/GGUF magic/);
  });
});
