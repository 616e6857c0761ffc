import { withEnv } from './utils/with-env';
import type OpenAI from 'openai';
import { z } from 'zod';
import { ScriptedModel, type ScriptedResponder } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import { FunctionTool } from '../src/core/tools/function-tool';
import type { AgentTool } from '../src/core/tools/tool';
import type { ModelRequest } from '../src/core/types';
import type { ChatCompletionChunk } from '../src/openai/openai.types';
import { postJson } from './utils/sse';
import { startServer, startUpstreamStack, type TestServer } from './utils/test-server';

const MODEL = 'camel-model';

const weatherTool = (execute: (args: { city: string }) => unknown = ({ city }) => `${city}: 21C`) =>
  new FunctionTool({
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: z.object({ city: z.string() }),
    execute,
  });

const clientTool = (name: string): OpenAI.Chat.Completions.ChatCompletionTool => ({
  type: 'function',
  function: { name, description: `client tool ${name}`, parameters: { type: 'object', properties: {} } },
});

const toolResults = (request: ModelRequest) =>
  request.messages.filter((m) => m.role === 'tool').map((m) => m.content as string);

interface ScriptedStack extends TestServer {
  model: ScriptedModel;
}

async function serve(replies: ScriptedResponder, tools: AgentTool[] = [], tokenDelayMs = 0): Promise<ScriptedStack> {
  const model = new ScriptedModel({ replies, tokenDelayMs });
  const server = await startServer({ agents: new ChatAgent({ systemMessage: 'SYS', model, tools }) });
  return { ...server, model };
}

/** POSTs a streaming request and splits the raw body into SSE frames (comments included). */
async function rawStream(url: string, body: Record<string, unknown>): Promise<string[]> {
  const response = await postJson(`${url}/v1/chat/completions`, { model: MODEL, stream: true, ...body });
  expect(response.status).toBe(200);
  return (await response.text()).split('\n\n').filter((frame) => frame.length > 0);
}

const chunksOf = (frames: string[]) =>
  frames.filter((f) => f.startsWith('data: {')).map((f) => JSON.parse(f.slice('data: '.length)) as ChatCompletionChunk);

describe('Agent tools (e2e)', () => {
  let stack: ScriptedStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it("should run the agent's own tool on the server and never show the call to the client", async () => {
    stack = await serve(
      (request, i) =>
        i === 0
          ? { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }
          : `Now: ${toolResults(request)[0]}`,
      [weatherTool()],
    );
    const completion = await stack.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    expect(completion.choices[0].message.content).toBe('Now: Paris: 21C');
    expect(completion.choices[0].message.tool_calls).toBeUndefined();
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(stack.model.requests).toHaveLength(2);
    // Usage adds up both model calls: the second prompt alone is longer than the first.
    const single = await new ScriptedModel({ replies: ['x'] }).generate(stack.model.requests[1]);
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(single.usage!.promptTokens);
  });

  it('should count the tools each side ran in the metrics of a non-streamed request', async () => {
    stack = await serve(
      (_request, i) =>
        i % 2 === 0
          ? {
              toolCalls: [
                { name: 'get_weather', arguments: { city: 'Oslo' } },
                { name: 'lookup', arguments: {} },
              ],
            }
          : 'unused',
      [weatherTool()],
    );
    const body = { messages: [{ role: 'user' as const, content: 'x' }], tools: [clientTool('lookup')] };
    await stack.client.chat.completions.create({ model: MODEL, ...body });
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    expect(metrics).toMatch(/chat_agent_tool_calls_total\{tool="get_weather",executor="agent"\} 1/);
    expect(metrics).toMatch(/chat_agent_tool_calls_total\{tool="lookup",executor="client"\} 1/);
  });

  it('should return client tool calls to the client, as OpenAI does', async () => {
    stack = await serve(() => ({ toolCalls: [{ name: 'lookup', arguments: { q: 'x' } }] }), [weatherTool()]);
    const completion = await stack.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Look it up' }],
      tools: [clientTool('lookup')],
    });
    const choice = completion.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_/) as string,
        type: 'function',
        function: { name: 'lookup', arguments: '{"q":"x"}' },
      },
    ]);
    expect(stack.model.requests[0].tools?.map((t) => t.name)).toEqual(['get_weather', 'lookup']);
  });

  it('should complete the round trip of a mixed turn: the upstream sees its own calls and results, in order', async () => {
    const upstream = await startUpstreamStack({ tools: [weatherTool()] });
    try {
      upstream.upstream.responder = (body, i) =>
        i === 0
          ? {
              toolCalls: [
                { id: 'up_1', name: 'get_weather', arguments: '{"city":"Lima"}' },
                { id: 'up_2', name: 'get_time', arguments: '{}' },
              ],
            }
          : { content: 'Sunny at noon.' };
      const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
        { role: 'user', content: 'Weather and time in Lima?' },
      ];
      const first = await upstream.client.chat.completions.create({
        model: MODEL,
        messages,
        tools: [clientTool('get_time')],
      });
      const calls = first.choices[0].message.tool_calls!;
      expect(calls.map((c) => c.type === 'function' && c.function.name)).toEqual(['get_time']);

      const second = await upstream.client.chat.completions.create({
        model: MODEL,
        tools: [clientTool('get_time')],
        messages: [
          ...messages,
          first.choices[0].message,
          { role: 'tool', tool_call_id: calls[0].id, content: '12:00' },
        ],
      });
      expect(second.choices[0].message.content).toBe('Sunny at noon.');
      const sent = upstream.upstream.completions[1].body.messages!;
      expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool']);
      const allCalls = sent[2].tool_calls as Array<{ id: string; function: { name: string; arguments: string } }>;
      expect(allCalls.map((c) => c.function.name)).toEqual(['get_weather', 'get_time']);
      expect(allCalls[1].id).toBe(calls[0].id);
      expect(sent[3]).toEqual({ role: 'tool', tool_call_id: allCalls[0].id, content: 'Lima: 21C' });
      expect(sent[4]).toEqual({ role: 'tool', tool_call_id: calls[0].id, content: '12:00' });
    } finally {
      await upstream.close();
    }
  });

  describe('legacy functions', () => {
    const functions = [{ name: 'get_time', description: 'The time', parameters: { type: 'object', properties: {} } }];

    it('should answer with function_call and finish_reason function_call', async () => {
      stack = await serve(() => ({
        toolCalls: [
          { name: 'get_time', arguments: { tz: 'UTC' } },
          { name: 'get_time', arguments: { tz: 'CET' } },
        ],
      }));
      const completion = await stack.client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'time?' }],
        functions,
        function_call: { name: 'get_time' },
      });
      const choice = completion.choices[0];
      expect(choice.finish_reason).toBe('function_call');
      expect(choice.message.function_call).toEqual({ name: 'get_time', arguments: '{"tz":"UTC"}' });
      expect(choice.message.tool_calls).toBeUndefined();
      expect(stack.model.requests[0]).toMatchObject({ toolChoice: { name: 'get_time' }, parallelToolCalls: false });
    });

    it('should stream function_call deltas', async () => {
      stack = await serve(() => ({ toolCalls: [{ name: 'get_time', arguments: { tz: 'UTC' } }] }));
      const chunks = chunksOf(await rawStream(stack.url, { messages: [{ role: 'user', content: 't' }], functions }));
      const deltas = chunks.flatMap((c) =>
        c.choices[0]?.delta.function_call ? [c.choices[0].delta.function_call] : [],
      );
      expect(deltas[0].name).toBe('get_time');
      expect(deltas.map((d) => d.arguments).join('')).toBe('{"tz":"UTC"}');
      expect(deltas.slice(1).every((d) => d.name === undefined)).toBe(true);
      expect(chunks.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false);
      expect(chunks.at(-1)!.choices[0].finish_reason).toBe('function_call');
    });

    it('should replay a legacy function_call and its function result to the model', async () => {
      stack = await serve(() => 'It is noon.');
      const completion = await stack.client.chat.completions.create({
        model: MODEL,
        functions,
        messages: [
          { role: 'user', content: 'time?' },
          { role: 'assistant', content: null, function_call: { name: 'get_time', arguments: '{}' } },
          { role: 'function', name: 'get_time', content: '12:00' },
        ],
      });
      expect(completion.choices[0].message.content).toBe('It is noon.');
      const [, , assistant, result] = stack.model.requests[0].messages;
      expect(assistant.toolCalls).toEqual([{ id: 'get_time', name: 'get_time', arguments: '{}' }]);
      expect(result).toMatchObject({ role: 'tool', toolCallId: 'get_time', content: '12:00' });
    });

    it('should reject a function_call naming a function that does not exist', async () => {
      stack = await serve(() => 'x');
      await expect(
        stack.client.chat.completions.create({
          model: MODEL,
          messages: [{ role: 'user', content: 'x' }],
          functions,
          function_call: { name: 'nope' },
        }),
      ).rejects.toMatchObject({ status: 400, param: 'function_call', type: 'invalid_request_error' });
    });
  });

  describe('tool_choice', () => {
    it.each([
      ['none', 'none'],
      ['auto', 'auto'],
      ['required', 'required'],
      [{ type: 'function', function: { name: 'lookup' } }, { name: 'lookup' }],
    ] as const)('should pass %j to the backend', async (choice, expected) => {
      stack = await serve(() => 'ok');
      await stack.client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'x' }],
        tools: [clientTool('lookup')],
        tool_choice: choice,
        parallel_tool_calls: false,
      });
      expect(stack.model.requests[0].toolChoice).toEqual(expected);
      expect(stack.model.requests[0].parallelToolCalls).toBe(false);
    });

    it('should reject a named tool that is not in tools', async () => {
      stack = await serve(() => 'x');
      await expect(
        stack.client.chat.completions.create({
          model: MODEL,
          messages: [{ role: 'user', content: 'x' }],
          tools: [clientTool('lookup')],
          tool_choice: { type: 'function', function: { name: 'missing' } },
        }),
      ).rejects.toMatchObject({ status: 400, param: 'tool_choice' });
    });

    it('should let at most one call through with parallel_tool_calls false, streamed or not', async () => {
      const replies: ScriptedResponder = () => ({
        toolCalls: [
          { name: 'a', arguments: {} },
          { name: 'b', arguments: {} },
        ],
      });
      stack = await serve(replies);
      const body = { messages: [{ role: 'user' as const, content: 'x' }], tools: [clientTool('a'), clientTool('b')] };
      const plain = await stack.client.chat.completions.create({ model: MODEL, ...body, parallel_tool_calls: false });
      expect(plain.choices[0].message.tool_calls).toHaveLength(1);
      const chunks = chunksOf(await rawStream(stack.url, { ...body, parallel_tool_calls: false }));
      const indexes = new Set(chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).map((d) => d.index));
      expect([...indexes]).toEqual([0]);
    });
  });

  describe('streaming', () => {
    it('should stream client calls as proper deltas and keep the stream alive while own tools run', async () => {
      const slowWeather = weatherTool(
        ({ city }) => new Promise((resolve) => setTimeout(() => resolve(`${city}: 21C`), 200)),
      );
      stack = await withEnv({ SSE_KEEP_ALIVE_MS: '20' }, () =>
        serve(
          () => ({
            content: 'Working.',
            toolCalls: [
              { name: 'get_weather', arguments: { city: 'Oslo' } },
              { name: 'client_a', arguments: { x: 1 } },
              { name: 'client_b', arguments: { y: 'two' } },
            ],
          }),
          [slowWeather],
        ),
      );
      const frames = await rawStream(stack.url, {
        messages: [{ role: 'user', content: 'go' }],
        tools: [clientTool('client_a'), clientTool('client_b')],
        stream_options: { include_usage: true },
      });
      expect(frames).toContain(': keep-alive');
      expect(frames.at(-1)).toBe('data: [DONE]');
      const chunks = chunksOf(frames);
      expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
      expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
      const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      const firstOf = (i: number) => deltas.find((d) => d.index === i)!;
      expect(firstOf(0)).toMatchObject({ type: 'function', function: { name: 'client_a' } });
      expect(firstOf(1)).toMatchObject({ type: 'function', function: { name: 'client_b' } });
      expect(firstOf(0).id).toMatch(/^call_/);
      expect(firstOf(1).id).not.toBe(firstOf(0).id);
      expect(deltas.every((d) => typeof d.function?.arguments === 'string')).toBe(true);
      const argsOf = (i: number) =>
        deltas
          .filter((d) => d.index === i)
          .map((d) => d.function?.arguments ?? '')
          .join('');
      expect(JSON.parse(argsOf(0))).toEqual({ x: 1 });
      expect(JSON.parse(argsOf(1))).toEqual({ y: 'two' });
      expect(deltas.some((d) => d.function?.name === 'get_weather')).toBe(false);
      const finish = chunks.find((c) => c.choices[0]?.finish_reason);
      expect(finish!.choices[0].finish_reason).toBe('tool_calls');
      expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number) as number } });
    });

    it('should stream the text of every model call in the loop and sum their usage', async () => {
      stack = await serve(
        (request, i) =>
          i === 0
            ? { content: 'Let me look.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] }
            : `Rome is ${toolResults(request)[0]}`,
        [weatherTool()],
      );
      const stream = await stack.client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'Rome?' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        usage = chunk.usage ?? usage;
      }
      expect(text).toBe('Let me look.\n\nRome is Rome: 21C');
      const perCall = await Promise.all(
        stack.model.requests.map((r) => new ScriptedModel({ replies: ['x'] }).generate(r)),
      );
      expect(usage!.prompt_tokens).toBe(perCall.reduce((n, r) => n + r.usage!.promptTokens, 0));
    });

    it('should stop the loop when the client disconnects during a tool run', async () => {
      const { blocking, toolStarted, toolAborted } = blockingTool();
      stack = await serve(
        (_r, i) => (i === 0 ? { toolCalls: [{ name: 'blocking', arguments: {} }] } : 'never asked'),
        [blocking],
      );
      const controller = new AbortController();
      const response = await postJson(
        `${stack.url}/v1/chat/completions`,
        { model: MODEL, stream: true, messages: [{ role: 'user', content: 'go' }] },
        { signal: controller.signal },
      );
      const reader = response.body!.getReader();
      await reader.read();
      await toolStarted;
      controller.abort();
      await toolAborted;
      // The loop has unwound once a fresh request is served; it must not have asked the model again.
      await stack.client.models.list();
      expect(stack.model.requests).toHaveLength(1);
    });

    it('should stop the loop when a non-streaming client disconnects during a tool run', async () => {
      const { blocking, toolStarted, toolAborted } = blockingTool();
      stack = await serve(
        (_r, i) => (i === 0 ? { toolCalls: [{ name: 'blocking', arguments: {} }] } : 'never asked'),
        [blocking],
      );
      const controller = new AbortController();
      const pending = postJson(
        `${stack.url}/v1/chat/completions`,
        { model: MODEL, messages: [{ role: 'user', content: 'go' }] },
        { signal: controller.signal },
      ).catch((error: unknown) => error);
      await toolStarted;
      controller.abort();
      await pending;
      await toolAborted;
      await stack.client.models.list();
      expect(stack.model.requests).toHaveLength(1);
    });
  });

  describe('openai SDK helpers', () => {
    /** The agent runs get_weather itself; get_time is the client's, run by the SDK helper; then the model answers. */
    const serveMixedTurn = (city: string) =>
      serve(
        (request, i) =>
          i === 0
            ? {
                toolCalls: [
                  { name: 'get_weather', arguments: { city } },
                  { name: 'get_time', arguments: { tz: 'CET' } },
                ],
              }
            : `Results: ${toolResults(request).join(' & ')}`,
        [weatherTool()],
      );
    const getTimeTool = (run: (args: { tz: string }) => string) => ({
      type: 'function' as const,
      function: {
        name: 'get_time',
        description: 'Current time',
        parameters: { type: 'object', properties: { tz: { type: 'string' } } },
        function: run,
        parse: (input: string) => JSON.parse(input) as { tz: string },
      },
    });

    it('should work with client.chat.completions.runTools() on a mixed turn', async () => {
      stack = await serveMixedTurn('Bern');
      const getTime = jest.fn((args: { tz: string }) => `12:00 ${args.tz}`);
      const runner = stack.client.chat.completions.runTools({
        model: MODEL,
        messages: [{ role: 'user', content: 'Weather and time in Bern?' }],
        tools: [getTimeTool(getTime)],
      });
      expect(await runner.finalContent()).toBe('Results: Bern: 21C & 12:00 CET');
      expect(getTime.mock.calls[0][0]).toEqual({ tz: 'CET' });
    });

    it('should work with runTools({ stream: true }) through keep-alive comments', async () => {
      stack = await serveMixedTurn('Graz');
      const runner = stack.client.chat.completions.runTools({
        model: MODEL,
        stream: true,
        messages: [{ role: 'user', content: 'Weather and time in Graz?' }],
        tools: [getTimeTool((args) => `12:00 ${args.tz}`)],
      });
      let streamed = '';
      runner.on('content', (delta) => (streamed += delta));
      expect(await runner.finalContent()).toBe('Results: Graz: 21C & 12:00 CET');
      expect(streamed).toBe('Results: Graz: 21C & 12:00 CET');
    });

    it('should work with client.chat.completions.stream() accumulating tool calls', async () => {
      stack = await serve(() => ({
        toolCalls: [
          { name: 'a', arguments: { n: 1 } },
          { name: 'b', arguments: { n: 2 } },
        ],
      }));
      const stream = stack.client.chat.completions.stream({
        model: MODEL,
        messages: [{ role: 'user', content: 'x' }],
        tools: [clientTool('a'), clientTool('b')],
      });
      const final = await stream.finalChatCompletion();
      const calls = final.choices[0].message.tool_calls!;
      expect(calls.map((c) => c.type === 'function' && [c.function.name, c.function.arguments])).toEqual([
        ['a', '{"n":1}'],
        ['b', '{"n":2}'],
      ]);
      expect(final.choices[0].finish_reason).toBe('tool_calls');
    });
  });
});

/** A tool that never finishes on its own: it reports when it started and when its abort signal fired. */
function blockingTool(): { blocking: FunctionTool; toolStarted: Promise<void>; toolAborted: Promise<void> } {
  let started!: () => void;
  const toolStarted = new Promise<void>((resolve) => (started = resolve));
  let aborted!: () => void;
  const toolAborted = new Promise<void>((resolve) => (aborted = resolve));
  const blocking = new FunctionTool({
    name: 'blocking',
    timeoutMs: 0,
    execute: (_args, { signal }) =>
      new Promise(() => {
        signal.addEventListener('abort', () => aborted());
        started();
      }),
  });
  return { blocking, toolStarted, toolAborted };
}
