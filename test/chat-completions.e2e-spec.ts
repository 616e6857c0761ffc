import OpenAI from 'openai';
import request from 'supertest';
import type { ChatCompletionChunk } from '../src/openai/openai.types';
import { postJson, readSseData } from './utils/sse';
import { startUpstreamStack, type UpstreamStack } from './utils/test-server';

describe('POST /v1/chat/completions (OpenAI-compatible upstream)', () => {
  let stack: UpstreamStack;

  beforeAll(async () => {
    stack = await startUpstreamStack();
  });
  afterAll(async () => {
    await stack.close();
  });
  beforeEach(() => {
    stack.upstream.requests.length = 0;
    stack.upstream.responder = (body) => ({
      content: `echo: ${String((body.messages ?? []).at(-1)?.content)}`,
    });
  });

  describe('JSON replies', () => {
    it('should answer through the official client with the agent system message first', async () => {
      const completion = await stack.client.chat.completions.create({
        model: 'camel-model',
        messages: [{ role: 'user', content: 'What is the capital of France?' }],
      });
      expect(completion.object).toBe('chat.completion');
      expect(completion.id).toMatch(/^chatcmpl-/);
      expect(completion.model).toBe('camel-model');
      expect(completion.choices[0].message).toMatchObject({
        role: 'assistant',
        content: 'echo: What is the capital of France?',
      });
      expect(completion.choices[0].finish_reason).toBe('stop');
      expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
      expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
      expect(completion.usage!.total_tokens).toBe(
        completion.usage!.prompt_tokens + completion.usage!.completion_tokens,
      );
      const sent = stack.upstream.completions[0].body;
      expect(sent.model).toBe('upstream-model');
      expect(sent.messages).toEqual([
        { role: 'system', content: 'You are a test agent.' },
        { role: 'user', content: 'What is the capital of France?' },
      ]);
    });

    it('should replay a multi-turn history in order', async () => {
      await stack.client.chat.completions.create({
        model: 'camel-model',
        messages: [
          { role: 'user', content: 'My name is Ada.' },
          { role: 'assistant', content: 'Hello Ada.' },
          { role: 'user', content: 'What is my name?' },
        ],
      });
      expect(stack.upstream.completions[0].body.messages).toEqual([
        { role: 'system', content: 'You are a test agent.' },
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: 'Hello Ada.' },
        { role: 'user', content: 'What is my name?' },
      ]);
    });

    it('should accept content as an array of parts, null assistant content and tool messages', async () => {
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":1}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'result' }] },
      ];
      await stack.client.chat.completions.create({ model: 'camel-model', messages });
      // Forwarded as the client wrote them, after the agent's system message.
      expect(stack.upstream.completions[0].body.messages!.slice(1)).toEqual(messages);
    });

    it('should pass every honoured request field to the upstream and accept unknown ones', async () => {
      const res = await request(stack.app.getHttpServer())
        .post('/v1/chat/completions')
        .send({
          model: 'camel-model',
          messages: [
            { role: 'developer', content: 'Be terse.' },
            { role: 'user', content: 'hi' },
          ],
          temperature: 0.3,
          top_p: 0.9,
          max_completion_tokens: 77,
          stop: 'END',
          seed: 7,
          presence_penalty: 0.5,
          frequency_penalty: -0.5,
          response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
          tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
          tool_choice: { type: 'function', function: { name: 'lookup' } },
          parallel_tool_calls: false,
          user: 'u-1',
          metadata: { app: 'test' },
          stream_options: { include_usage: true },
          // Unknown or unsupported OpenAI fields: accepted, not rejected.
          store: true,
          logprobs: false,
          reasoning_effort: 'low',
          some_future_field: { nested: 1 },
        })
        .expect(200);
      expect(res.body.choices[0].message.content).toBe('echo: hi');
      const sent = stack.upstream.completions[0].body;
      expect(sent).toMatchObject({
        temperature: 0.3,
        top_p: 0.9,
        max_tokens: 77,
        stop: ['END'],
        seed: 7,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
        tool_choice: { type: 'function', function: { name: 'lookup' } },
        parallel_tool_calls: false,
        user: 'u-1',
        metadata: { app: 'test' },
      });
      expect(sent.messages![1]).toEqual({ role: 'developer', content: 'Be terse.' });
      expect(sent).not.toHaveProperty('some_future_field');
      expect(sent).not.toHaveProperty('store');
    });

    it('should honour max_tokens and report finish_reason length from the upstream', async () => {
      stack.upstream.responder = () => ({ content: 'cut short', finishReason: 'length' });
      const completion = await stack.client.chat.completions.create({
        model: 'camel-model',
        max_tokens: 2,
        messages: [{ role: 'user', content: 'Tell me a long story' }],
      });
      expect(completion.choices[0].finish_reason).toBe('length');
      expect(stack.upstream.completions[0].body.max_tokens).toBe(2);
    });

    it('should return n independent choices', async () => {
      const completion = await stack.client.chat.completions.create({
        model: 'camel-model',
        n: 3,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(completion.choices.map((c) => c.index)).toEqual([0, 1, 2]);
      expect(stack.upstream.completions).toHaveLength(3);
    });

    it('should estimate usage when the upstream omits it, never reporting zero', async () => {
      stack.upstream.responder = () => ({ content: 'three little words', omitUsage: true });
      const completion = await stack.client.chat.completions.create({
        model: 'camel-model',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
      expect(completion.usage!.completion_tokens).toBe(3);
    });
  });

  describe('client tools', () => {
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
      {
        type: 'function',
        function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ];

    it('should return tool calls with finish_reason tool_calls and then take the tool results back', async () => {
      stack.upstream.responder = (body) =>
        (body.messages ?? []).some((m) => m.role === 'tool')
          ? { content: 'It is sunny in Paris and Rome.' }
          : {
              toolCalls: [
                { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
                { id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
              ],
            };
      const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
        { role: 'user', content: 'Weather in Paris and Rome?' },
      ];
      const first = await stack.client.chat.completions.create({ model: 'camel-model', messages, tools });
      const choice = first.choices[0];
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBeNull();
      expect(choice.message.tool_calls).toEqual([
        { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ]);

      messages.push(choice.message);
      for (const call of choice.message.tool_calls!) {
        messages.push({ role: 'tool', tool_call_id: call.id, content: 'sunny' });
      }
      const second = await stack.client.chat.completions.create({ model: 'camel-model', messages, tools });
      expect(second.choices[0].finish_reason).toBe('stop');
      expect(second.choices[0].message.content).toBe('It is sunny in Paris and Rome.');
      const replayed = stack.upstream.completions[1].body.messages!;
      expect(replayed.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool']);
      expect(replayed[2].tool_calls).toHaveLength(2);
      expect(replayed[3]).toEqual({ role: 'tool', tool_call_id: 'call_a', content: 'sunny' });
    });

    it('should stream parallel tool calls as deltas with distinct index, id and name on the first delta', async () => {
      stack.upstream.responder = () => ({
        toolCalls: [
          { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
        ],
      });
      const stream = await stack.client.chat.completions.create({
        model: 'camel-model',
        messages: [{ role: 'user', content: 'Weather?' }],
        tools,
        stream: true,
      });
      const deltas: OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
      let finish: string | null = null;
      for await (const chunk of stream) {
        deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(finish).toBe('tool_calls');
      expect(new Set(deltas.map((d) => d.index))).toEqual(new Set([0, 1]));
      for (const index of [0, 1]) {
        const ofCall = deltas.filter((d) => d.index === index);
        expect(ofCall[0]).toMatchObject({ id: index === 0 ? 'call_a' : 'call_b', type: 'function' });
        expect(ofCall[0].function!.name).toBe('get_weather');
        const args = ofCall.map((d) => d.function?.arguments ?? '').join('');
        expect(typeof args).toBe('string');
        expect(JSON.parse(args)).toEqual({ city: index === 0 ? 'Paris' : 'Rome' });
      }
    });

    it("should give each call its own index when the upstream omits it, so the SDK's accumulator works", async () => {
      stack.upstream.responder = () => ({
        omitToolCallIndex: true,
        toolCalls: [
          { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
        ],
      });
      const runner = stack.client.chat.completions.stream({
        model: 'camel-model',
        messages: [{ role: 'user', content: 'Weather?' }],
        tools,
      });
      const final = await runner.finalChatCompletion();
      expect(final.choices[0].message.tool_calls!.map((c) => [c.id, c.function.arguments])).toEqual([
        ['call_a', '{"city":"Paris"}'],
        ['call_b', '{"city":"Rome"}'],
      ]);
    });
  });

  describe('streaming', () => {
    it('should stream real chunks: role first, same id and created, content, finish, [DONE]', async () => {
      stack.upstream.responder = () => ({ content: 'one two three four', chunkDelayMs: 5 });
      const response = await postJson(`${stack.url}/v1/chat/completions`, {
        model: 'camel-model',
        stream: true,
        messages: [{ role: 'user', content: 'count' }],
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const data = await readSseData(response);
      expect(data.at(-1)).toBe('[DONE]');
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as ChatCompletionChunk);
      expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
      expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
      expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
      for (const chunk of chunks) {
        expect(chunk.object).toBe('chat.completion.chunk');
        expect(chunk.model).toBe('camel-model');
        expect(Array.isArray(chunk.choices)).toBe(true);
        // No usage chunk and no usage field unless include_usage was asked for.
        expect(chunk.choices).toHaveLength(1);
        expect(chunk).not.toHaveProperty('usage');
      }
      const text = chunks.map((c) => c.choices[0].delta.content ?? '').join('');
      expect(text).toBe('one two three four');
      // Real streaming: the upstream's pieces arrive as separate chunks.
      expect(chunks.filter((c) => c.choices[0].delta.content).length).toBe(4);
      expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
    });

    it('should send one usage chunk with choices [] only when include_usage is true', async () => {
      stack.upstream.responder = () => ({ content: 'a b c' });
      const response = await postJson(`${stack.url}/v1/chat/completions`, {
        model: 'camel-model',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hi' }],
      });
      const data = await readSseData(response);
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as ChatCompletionChunk);
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage!.prompt_tokens).toBeGreaterThan(0);
      expect(last.usage!.completion_tokens).toBeGreaterThan(0);
      expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
      expect(stack.upstream.completions[0].body.stream_options).toEqual({ include_usage: true });
    });

    it('should work with the official client stream helper', async () => {
      stack.upstream.responder = () => ({ content: 'streamed through the SDK' });
      const runner = stack.client.chat.completions.stream({
        model: 'camel-model',
        messages: [{ role: 'user', content: 'hi' }],
        stream_options: { include_usage: true },
      });
      const final = await runner.finalChatCompletion();
      expect(final.choices[0].message.content).toBe('streamed through the SDK');
      expect(final.usage!.total_tokens).toBeGreaterThan(0);
    });

    it('should end a stream that fails midway with one error frame and no [DONE]', async () => {
      stack.upstream.responder = () => ({ content: 'a b c d e f', breakAfterChunks: 3, chunkDelayMs: 30 });
      const response = await postJson(`${stack.url}/v1/chat/completions`, {
        model: 'camel-model',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(response.status).toBe(200);
      const data = await readSseData(response);
      expect(data).not.toContain('[DONE]');
      const last = JSON.parse(data.at(-1)!) as { error: Record<string, unknown> };
      expect(last.error).toEqual({
        message: expect.any(String),
        type: 'server_error',
        param: null,
        code: expect.any(String),
      });
      expect(data.filter((d) => d.includes('"error"'))).toHaveLength(1);

      // The official client surfaces it as an error, not a silently short reply.
      stack.upstream.responder = () => ({ content: 'a b c d e f', breakAfterChunks: 3, chunkDelayMs: 30 });
      const stream = await stack.client.chat.completions.create({
        model: 'camel-model',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      await expect(
        (async () => {
          for await (const _chunk of stream) {
            // drain
          }
        })(),
      ).rejects.toThrow();
    });

    it('should answer a failure before the first token with a plain HTTP error, not a 200 stream', async () => {
      stack.upstream.responder = () => ({
        status: 400,
        errorBody: {
          error: {
            message: 'context too long',
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          },
        },
      });
      const response = await postJson(`${stack.url}/v1/chat/completions`, {
        model: 'camel-model',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      expect(await response.json()).toEqual({
        error: {
          message: 'context too long',
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      });
    });
  });

  describe('disconnects', () => {
    const longReply = () => ({ content: Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '), chunkDelayMs: 20 });

    it('should close the upstream request when a streaming client aborts, and keep serving', async () => {
      stack.upstream.responder = longReply;
      const abort = new AbortController();
      const stream = await stack.client.chat.completions.create(
        { model: 'camel-model', stream: true, messages: [{ role: 'user', content: 'long' }] },
        { signal: abort.signal },
      );
      let received = 0;
      try {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta.content && ++received === 3) {
            abort.abort();
          }
        }
      } catch {
        // Depending on timing the SDK either ends the iteration or throws an abort error; both are a client abort.
      }
      expect(received).toBe(3);
      expect(await stack.upstream.completions[0].closedEarly).toBe(true);

      stack.upstream.responder = () => ({ content: 'still alive' });
      const after = await stack.client.chat.completions.create({
        model: 'camel-model',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(after.choices[0].message.content).toBe('still alive');
    });

    it('should close the upstream request when a client breaks out of the SDK stream iterator', async () => {
      stack.upstream.responder = longReply;
      const stream = await stack.client.chat.completions.create({
        model: 'camel-model',
        stream: true,
        messages: [{ role: 'user', content: 'long' }],
      });
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) {
          break;
        }
      }
      expect(await stack.upstream.completions[0].closedEarly).toBe(true);
    });

    it('should close the upstream request when a non-streaming client aborts', async () => {
      stack.upstream.responder = () => ({ hang: true });
      const abort = new AbortController();
      const pending = stack.client.chat.completions.create(
        { model: 'camel-model', messages: [{ role: 'user', content: 'slow' }] },
        { signal: abort.signal },
      );
      while (stack.upstream.completions.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      abort.abort();
      await expect(pending).rejects.toThrow();
      expect(await stack.upstream.completions[0].closedEarly).toBe(true);
    });
  });

  describe('isolation', () => {
    it('should keep 50 concurrent conversations apart', async () => {
      stack.upstream.responder = (body) => ({
        content: `reply to ${(body.messages ?? []).map((m) => String(m.content)).join(' | ')}`,
        chunkDelayMs: 2,
      });
      const results = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const stream = i % 2 === 0;
          const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
            { role: 'user', content: `secret-${i}-a` },
            { role: 'assistant', content: `ack-${i}` },
            { role: 'user', content: `secret-${i}-b` },
          ];
          if (stream) {
            const runner = stack.client.chat.completions.stream({ model: 'camel-model', messages });
            return { i, text: (await runner.finalChatCompletion()).choices[0].message.content };
          }
          const completion = await stack.client.chat.completions.create({ model: 'camel-model', messages });
          return { i, text: completion.choices[0].message.content };
        }),
      );
      for (const { i, text } of results) {
        expect(text).toBe(`reply to You are a test agent. | secret-${i}-a | ack-${i} | secret-${i}-b`);
      }
      expect(stack.upstream.completions).toHaveLength(50);
      for (const recorded of stack.upstream.completions) {
        const contents = recorded.body.messages!.map((m) => String(m.content));
        const owner = /secret-(\d+)-a/.exec(contents[1])![1];
        expect(contents).toEqual(['You are a test agent.', `secret-${owner}-a`, `ack-${owner}`, `secret-${owner}-b`]);
      }
    });
  });
});
