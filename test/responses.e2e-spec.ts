import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { z } from 'zod';
import { ScriptedModel, type ScriptedReply, type ScriptedResponder } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import type { ModelBackend } from '../src/core/model-backend';
import { FunctionTool } from '../src/core/tools/function-tool';
import type { AgentTool } from '../src/core/tools/tool';
import type { CallOptions, ChatMessage, ModelRequest, ModelStreamEvent } from '../src/core/types';
import { expectEvent, expectSchema } from './utils/openai-schemas';
import { postJson } from './utils/sse';
import { startServer, type TestServer } from './utils/test-server';
import { withEnv } from './utils/with-env';

const MODEL = 'camel-model';

interface Stack extends TestServer {
  model: ScriptedModel;
  /** Signals of the backend calls, to see the abort of a client that left. */
  signals: AbortSignal[];
}

/** A backend that records each call's signal and can fail after some text (a failure mid-stream). */
class WatchedModel implements ModelBackend {
  readonly modelName = 'watched';
  readonly signals: AbortSignal[] = [];
  failAfter?: number;

  constructor(readonly inner: ScriptedModel) {}

  generate(request: ModelRequest, options: CallOptions = {}) {
    if (options.signal) {
      this.signals.push(options.signal);
    }
    return this.inner.generate(request, options);
  }

  async *stream(request: ModelRequest, options: CallOptions = {}): AsyncGenerator<ModelStreamEvent> {
    if (options.signal) {
      this.signals.push(options.signal);
    }
    let texts = 0;
    for await (const event of this.inner.stream(request, options)) {
      if (event.type === 'text' && this.failAfter !== undefined && texts++ === this.failAfter) {
        throw new Error('upstream connection reset');
      }
      yield event;
    }
  }
}

async function serve(
  replies?: ScriptedReply[] | ScriptedResponder,
  options: { tools?: AgentTool[]; tokenDelayMs?: number; failAfter?: number } = {},
): Promise<Stack> {
  const model = new ScriptedModel({ replies, tokenDelayMs: options.tokenDelayMs });
  const watched = new WatchedModel(model);
  watched.failAfter = options.failAfter;
  const server = await startServer({
    agents: new ChatAgent({ systemMessage: 'SYS', model: watched, tools: options.tools }),
  });
  return { ...server, model, signals: watched.signals };
}

const lastRequest = (stack: Stack) => stack.model.requests[stack.model.requests.length - 1];
const roles = (messages: ChatMessage[]) =>
  messages.map((m) => `${m.role}:${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`);

/** Items as coding agents send them: with ids they made up, which the SDK's types do not list on easy messages. */
const clientItems = (items: unknown[]) => items as OpenAI.Responses.ResponseInput;

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

/** The raw SSE frames of a streamed request: `event:` name and parsed payload. */
async function rawEvents(
  url: string,
  body: Record<string, unknown>,
): Promise<Array<{ event: string; data: ResponseStreamEvent }>> {
  const response = await postJson(`${url}/v1/responses`, { model: MODEL, stream: true, ...body });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
  return (await response.text())
    .split('\n\n')
    .filter((frame) => frame.startsWith('event: '))
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      return {
        event: eventLine.slice('event: '.length),
        data: JSON.parse(dataLine.slice('data: '.length)) as ResponseStreamEvent,
      };
    });
}

describe('Responses API (e2e)', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  describe('text', () => {
    it('should answer a string input with a completed response that matches OpenAI’s schema', async () => {
      stack = await serve(['Hello there']);
      const response = await stack.client.responses.create({ model: MODEL, input: 'Hi' });
      expectSchema('Response', response);
      expect(response).toMatchObject({
        object: 'response',
        status: 'completed',
        model: MODEL,
        store: true,
        previous_response_id: null,
        error: null,
        incomplete_details: null,
      });
      expect(response.id).toMatch(/^resp_/);
      expect(response.output_text).toBe('Hello there');
      expect(response.output).toEqual([
        {
          type: 'message',
          id: expect.stringMatching(/^msg_/),
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Hello there', annotations: [], logprobs: [] }],
        },
      ]);
      expect(response.usage).toMatchObject({
        input_tokens: expect.any(Number),
        output_tokens: 2,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      });
      expect(response.usage!.total_tokens).toBe(response.usage!.input_tokens + response.usage!.output_tokens);
      expect(roles(lastRequest(stack).messages)).toEqual(['system:SYS', 'user:Hi']);
    });

    it('should put instructions after the agent’s system message and echo the request’s parameters', async () => {
      stack = await serve(['ok']);
      const response = await stack.client.responses.create({
        model: MODEL,
        instructions: 'Answer in French.',
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
        temperature: 0.5,
        top_p: 0.9,
        metadata: { team: 'a' },
        user: 'u-1',
        // Accepted and ignored, as coding agents send them.
        include: ['reasoning.encrypted_content'],
        reasoning: { effort: 'low' },
        truncation: 'auto',
        safety_identifier: 'sid',
        prompt_cache_key: 'pck',
        service_tier: 'auto',
        tools: [{ type: 'web_search' }, { type: 'file_search', vector_store_ids: ['vs'] }],
        // @ts-expect-error a field the spec does not list
        verbosity_hint: 'x',
      });
      expectSchema('Response', response);
      expect(response).toMatchObject({
        instructions: 'Answer in French.',
        temperature: 0.5,
        top_p: 0.9,
        metadata: { team: 'a' },
        user: 'u-1',
        tools: [],
        truncation: 'auto',
      });
      const request = lastRequest(stack);
      expect(roles(request.messages)).toEqual(['system:SYS', 'system:Answer in French.', 'user:Hi']);
      expect(request).toMatchObject({ temperature: 0.5, topP: 0.9, metadata: { team: 'a' } });
      expect(request.tools).toBeUndefined();
    });

    it('should forward a json_schema text format to the backend', async () => {
      stack = await serve(['{"answer":42}']);
      const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
      const response = await stack.client.responses.create({
        model: MODEL,
        input: 'The answer?',
        text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } },
      });
      expectSchema('Response', response);
      expect(JSON.parse(response.output_text)).toEqual({ answer: 42 });
      expect(response.text).toEqual({ format: { type: 'json_schema', name: 'answer', schema, strict: true } });
      expect(lastRequest(stack).responseFormat).toEqual({ type: 'json_schema', name: 'answer', schema, strict: true });
    });

    it('should be incomplete with reason max_output_tokens when the limit cuts the answer', async () => {
      stack = await serve(['one two three four five six']);
      const response = await stack.client.responses.create({ model: MODEL, input: 'count', max_output_tokens: 3 });
      expectSchema('Response', response);
      expect(response.status).toBe('incomplete');
      expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
      expect(response.max_output_tokens).toBe(3);
      expect(response.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });
      expect(lastRequest(stack).maxTokens).toBe(3);
    });
  });

  describe('conversations on the server', () => {
    it('should replay a three-turn previous_response_id chain in order, without earlier instructions', async () => {
      stack = await serve((request) => `reply ${request.messages.filter((m) => m.role === 'user').length}`);
      const first = await stack.client.responses.create({ model: MODEL, input: 'one', instructions: 'Be brief.' });
      const second = await stack.client.responses.create({
        model: MODEL,
        input: 'two',
        previous_response_id: first.id,
      });
      const third = await stack.client.responses.create({
        model: MODEL,
        input: [{ type: 'message', role: 'user', content: 'three' }],
        previous_response_id: second.id,
        instructions: 'Be kind.',
      });
      expectSchema('Response', third);
      expect(third.previous_response_id).toBe(second.id);
      expect(third.output_text).toBe('reply 3');
      expect(roles(stack.model.requests[0].messages)).toEqual(['system:SYS', 'system:Be brief.', 'user:one']);
      expect(roles(stack.model.requests[1].messages)).toEqual([
        'system:SYS',
        'user:one',
        'assistant:reply 1',
        'user:two',
      ]);
      expect(roles(stack.model.requests[2].messages)).toEqual([
        'system:SYS',
        'system:Be kind.',
        'user:one',
        'assistant:reply 1',
        'user:two',
        'assistant:reply 2',
        'user:three',
      ]);
    });

    it('should retrieve, list the input items of, and delete a stored response', async () => {
      stack = await serve(['stored']);
      const created = await stack.client.responses.create({
        model: MODEL,
        input: clientItems([
          { role: 'user', content: 'first', id: 'msg_client_1', type: 'message' },
          { role: 'user', content: [{ type: 'input_text', text: 'second' }], type: 'message' },
        ]),
      });
      const retrieved = await stack.client.responses.retrieve(created.id);
      expectSchema('Response', retrieved);
      expect(retrieved).toEqual({ ...created, output_text: 'stored' });

      const items = await stack.client.responses.inputItems.list(created.id, { order: 'asc' });
      const body = await (
        await fetch(`${stack.url}/v1/responses/${created.id}/input_items?order=asc`, {
          headers: { authorization: 'Bearer x' },
        })
      ).json();
      expectSchema('ResponseItemList', body);
      expect(items.data).toHaveLength(2);
      expect(items.data[0]).toMatchObject({ id: 'msg_client_1', type: 'message', role: 'user' });
      expect(items.data[1]).toMatchObject({ type: 'message', content: [{ type: 'input_text', text: 'second' }] });
      expect(body).toMatchObject({ first_id: 'msg_client_1', last_id: items.data[1].id, has_more: false });
      const newestFirst = await (await fetch(`${stack.url}/v1/responses/${created.id}/input_items?limit=1`)).json();
      expect(newestFirst).toMatchObject({ data: [{ id: items.data[1].id }], has_more: true });

      const deleted = await fetch(`${stack.url}/v1/responses/${created.id}`, { method: 'DELETE' });
      expect(await deleted.json()).toEqual({ id: created.id, object: 'response', deleted: true });
      await expect(stack.client.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
      await expect(stack.client.responses.delete(created.id)).rejects.toMatchObject({ status: 404 });
    });

    it('should not keep a response made with store: false', async () => {
      stack = await serve(['not kept']);
      const response = await stack.client.responses.create({ model: MODEL, input: 'x', store: false });
      expect((response as unknown as { store: boolean }).store).toBe(false);
      await expect(stack.client.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
      await expect(
        stack.client.responses.create({ model: MODEL, input: 'y', previous_response_id: response.id }),
      ).rejects.toMatchObject({ status: 404, error: { param: 'previous_response_id' } });
    });

    it('should resolve an item_reference to an item of a stored response', async () => {
      stack = await serve((request) => `seen ${request.messages.length}`);
      const first = await stack.client.responses.create({ model: MODEL, input: 'remember me' });
      await stack.client.responses.create({
        model: MODEL,
        input: [
          { type: 'item_reference', id: first.output[0].id! },
          { role: 'user', content: 'and now?' },
        ],
      });
      expect(roles(lastRequest(stack).messages)).toEqual(['system:SYS', 'assistant:seen 2', 'user:and now?']);
      await expect(
        stack.client.responses.create({ model: MODEL, input: [{ type: 'item_reference', id: 'msg_unknown' }] }),
      ).rejects.toMatchObject({ status: 404 });
    });

    it('should keep 20 concurrent conversations apart', async () => {
      stack = await serve((request) => `echo ${roles(request.messages).join(' | ')}`, { tokenDelayMs: 1 });
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const client = stack!.client;
          const first = await client.responses.create({ model: MODEL, input: `secret-${i}`, stream: false });
          const next =
            i % 2 === 0
              ? await client.responses.create({ model: MODEL, input: `again-${i}`, previous_response_id: first.id })
              : await client.responses
                  .stream({ model: MODEL, input: `again-${i}`, previous_response_id: first.id })
                  .finalResponse();
          const text = next.output_text;
          expect(text).toContain(`secret-${i}`);
          expect(text).toContain(`again-${i}`);
          expect(text.match(/secret-\d+/g)).toEqual([`secret-${i}`, `secret-${i}`]);
        }),
      );
    });
  });

  describe('client tools', () => {
    const callWeather: ScriptedReply = { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
    const answerFromTool = (request: ModelRequest): ScriptedReply => {
      const result = request.messages.find((m) => m.role === 'tool');
      return result ? `It is ${result.content as string}` : callWeather;
    };

    it('should end the turn with a function_call and continue from its output by previous_response_id', async () => {
      stack = await serve(answerFromTool);
      const first = await stack.client.responses.create({ model: MODEL, input: 'Weather?', tools: [weatherTool] });
      expectSchema('Response', first);
      expect(first.tools).toEqual([{ ...weatherTool }]);
      const call = first.output[0];
      expect(call).toEqual({
        type: 'function_call',
        id: expect.stringMatching(/^fc_/),
        call_id: expect.any(String),
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
        status: 'completed',
      });
      const callId = (call as OpenAI.Responses.ResponseFunctionToolCall).call_id;
      const second = await stack.client.responses.create({
        model: MODEL,
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: callId, output: '21C' }],
        tools: [weatherTool],
      });
      expect(second.output_text).toBe('It is 21C');
      const messages = lastRequest(stack).messages;
      expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
      expect(messages[2].toolCalls).toEqual([{ id: callId, name: 'get_weather', arguments: '{"city":"Paris"}' }]);
      expect(messages[3]).toEqual({ role: 'tool', toolCallId: callId, content: '21C' });
    });

    it('should continue statelessly from resent items with client-made ids (store: false)', async () => {
      stack = await serve(answerFromTool);
      const first = await stack.client.responses.create({
        model: MODEL,
        input: clientItems([{ type: 'message', id: 'msg_a1', role: 'user', content: 'Weather?' }]),
        tools: [weatherTool],
        store: false,
      });
      const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
      const second = await stack.client.responses.create({
        model: MODEL,
        store: false,
        tools: [weatherTool],
        input: clientItems([
          { type: 'message', id: 'msg_a1', role: 'user', content: 'Weather?' },
          // The server's own output item, resent as is.
          call,
          { type: 'function_call_output', id: 'fco_b2', call_id: call.call_id, output: '19C' },
        ]),
      });
      expect(second.output_text).toBe('It is 19C');
      expect(roles(lastRequest(stack).messages).slice(0, 2)).toEqual(['system:SYS', 'user:Weather?']);
      expect(lastRequest(stack).messages[2].toolCalls).toEqual([
        { id: call.call_id, name: 'get_weather', arguments: '{"city":"Paris"}' },
      ]);
    });

    it('should map a custom tool to a free-form custom_tool_call and back', async () => {
      stack = await serve((request) =>
        request.messages.some((m) => m.role === 'tool')
          ? 'applied'
          : { toolCalls: [{ name: 'apply_patch', arguments: { input: '*** Begin Patch\n+x\n*** End Patch' } }] },
      );
      const tools: OpenAI.Responses.Tool[] = [
        { type: 'custom', name: 'apply_patch', description: 'Apply a patch', format: { type: 'text' } },
      ];
      const first = await stack.client.responses.create({ model: MODEL, input: 'patch it', tools });
      expectSchema('Response', first);
      const call = first.output[0] as OpenAI.Responses.ResponseCustomToolCall;
      expect(call).toMatchObject({
        type: 'custom_tool_call',
        name: 'apply_patch',
        input: '*** Begin Patch\n+x\n*** End Patch',
      });
      expect(stack.model.requests[0].tools).toEqual([
        {
          name: 'apply_patch',
          description: 'Apply a patch',
          parameters: expect.objectContaining({ type: 'object', required: ['input'] }),
        },
      ]);

      const events: ResponseStreamEvent[] = [];
      const stream = stack.client.responses.stream({
        model: MODEL,
        previous_response_id: first.id,
        input: [{ type: 'custom_tool_call_output', call_id: call.call_id, output: 'done' }],
        tools,
      });
      for await (const event of stream) {
        events.push(event);
      }
      expect((await stream.finalResponse()).output_text).toBe('applied');
      expect(lastRequest(stack).messages.slice(-2)).toEqual([
        {
          role: 'assistant',
          content: null,
          toolCalls: [{ id: call.call_id, name: 'apply_patch', arguments: JSON.stringify({ input: call.input }) }],
        },
        { role: 'tool', toolCallId: call.call_id, content: 'done' },
      ]);

      const streamed = await rawEvents(stack.url, { input: 'patch again', tools });
      for (const { data } of streamed) {
        expectEvent(data);
      }
      expect(streamed.map((e) => e.event)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.custom_tool_call_input.delta',
        'response.custom_tool_call_input.done',
        'response.output_item.done',
        'response.completed',
      ]);
      expect(streamed[4].data).toMatchObject({ input: '*** Begin Patch\n+x\n*** End Patch' });
    });

    it('should take function tools nested in a namespace tool and name the namespace on the call', async () => {
      stack = await serve([{ toolCalls: [{ name: 'read_file', arguments: { path: 'a' } }] }]);
      const response = await postJson(`${stack.url}/v1/responses`, {
        model: MODEL,
        input: 'read a',
        tools: [
          {
            type: 'namespace',
            name: 'fs',
            description: 'Files',
            tools: [{ type: 'function', name: 'read_file', parameters: { type: 'object' } }],
          },
          { type: 'tool_search' },
        ],
      });
      const body = (await response.json()) as OpenAI.Responses.Response;
      expectSchema('Response', body);
      expect(body.output[0]).toMatchObject({ type: 'function_call', name: 'read_file', namespace: 'fs' });
      expect(stack.model.requests[0].tools?.map((t) => t.name)).toEqual(['read_file']);
    });

    it('should honour tool_choice none, a named tool and allowed_tools', async () => {
      stack = await serve(['ok']);
      const other = { ...weatherTool, name: 'get_time' };
      await stack.client.responses.create({ model: MODEL, input: 'x', tools: [weatherTool], tool_choice: 'none' });
      expect(lastRequest(stack).toolChoice).toBe('none');
      await stack.client.responses.create({
        model: MODEL,
        input: 'x',
        tools: [weatherTool, other],
        tool_choice: { type: 'function', name: 'get_time' },
        parallel_tool_calls: false,
      });
      expect(lastRequest(stack)).toMatchObject({ toolChoice: { name: 'get_time' }, parallelToolCalls: false });
      const allowed = await stack.client.responses.create({
        model: MODEL,
        input: 'x',
        tools: [weatherTool, other],
        tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'get_time' }] },
      });
      expectSchema('Response', allowed);
      expect(lastRequest(stack).toolChoice).toBe('required');
      expect(lastRequest(stack).tools?.map((t) => t.name)).toEqual(['get_time']);
    });

    it('should show the model the agent’s own tool work in the next turn, and finish a mixed turn', async () => {
      const ownTool = new FunctionTool({
        name: 'lookup',
        description: 'Look something up',
        parameters: z.object({ q: z.string() }),
        execute: ({ q }) => `found ${q}`,
      });
      stack = await serve(
        (request, i) => {
          if (i === 0) {
            return { toolCalls: [{ name: 'lookup', arguments: { q: 'a' } }] };
          }
          if (i === 1) {
            return 'first answer';
          }
          if (i === 2) {
            return {
              toolCalls: [
                { name: 'lookup', arguments: { q: 'b' } },
                { name: 'get_weather', arguments: { city: 'Rome' } },
              ],
            };
          }
          return `final ${request.messages.filter((m) => m.role === 'tool').length}`;
        },
        { tools: [ownTool] },
      );
      const first = await stack.client.responses.create({ model: MODEL, input: 'q1', tools: [weatherTool] });
      expect(first.output_text).toBe('first answer');
      const second = await stack.client.responses
        .stream({ model: MODEL, input: 'q2', tools: [weatherTool], previous_response_id: first.id })
        .finalResponse();
      expect(second.output.map((item) => item.type)).toEqual(['function_call']);
      expect(roles(stack.model.requests[2].messages)).toEqual([
        'system:SYS',
        'user:q1',
        'assistant:null',
        'tool:found a',
        'assistant:first answer',
        'user:q2',
      ]);
      const call = second.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
      const third = await stack.client.responses.create({
        model: MODEL,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
        tools: [weatherTool],
        previous_response_id: second.id,
      });
      expect(third.output_text).toBe('final 3');
      const messages = lastRequest(stack).messages;
      // The mixed turn comes back whole, once: both calls, then the agent's result and the client's.
      expect(roles(messages)).toEqual([
        'system:SYS',
        'user:q1',
        'assistant:null',
        'tool:found a',
        'assistant:first answer',
        'user:q2',
        'assistant:null',
        'tool:found b',
        'tool:sunny',
      ]);
      expect(messages[6].toolCalls?.map((c) => c.name)).toEqual(['lookup', 'get_weather']);
    });
  });

  describe('streaming', () => {
    it('should stream every event in order, each named by its type and numbered, all matching OpenAI’s schemas', async () => {
      stack = await serve(['Hello streaming world']);
      const events = await rawEvents(stack.url, { input: 'Hi' });
      for (const { event, data } of events) {
        expect(event).toBe(data.type);
        expectEvent(data);
      }
      expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
      expect(events.map((e) => e.event)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      const completed = events[events.length - 1].data as OpenAI.Responses.ResponseCompletedEvent;
      expect(completed.response.output).toEqual([
        expect.objectContaining({
          status: 'completed',
          content: [expect.objectContaining({ text: 'Hello streaming world' })],
        }),
      ]);
      expect(completed.response.usage?.output_tokens).toBe(3);
      const retrieved = await stack.client.responses.retrieve(completed.response.id);
      expect(retrieved).toMatchObject({
        id: completed.response.id,
        status: 'completed',
        output: completed.response.output,
      });
    });

    it('should stream a function call with its argument deltas, and the openai client should assemble it', async () => {
      stack = await serve([
        { content: 'Checking.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] },
      ]);
      const events = await rawEvents(stack.url, { input: 'Weather?', tools: [weatherTool] });
      for (const { data } of events) {
        expectEvent(data);
      }
      expect(events.map((e) => e.event)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
      ]);
      expect(events[11].data).toMatchObject({ name: 'get_weather', arguments: '{"city":"Oslo"}', output_index: 1 });

      const final = await stack.client.responses
        .stream({ model: MODEL, input: 'Weather?', tools: [weatherTool] })
        .finalResponse();
      expect(final.output[1]).toMatchObject({ type: 'function_call', arguments: '{"city":"Oslo"}' });
    });

    it('should end with response.incomplete when max_output_tokens cuts the stream', async () => {
      stack = await serve(['a b c d e f']);
      const events = await rawEvents(stack.url, { input: 'x', max_output_tokens: 2 });
      const last = events[events.length - 1].data as OpenAI.Responses.ResponseIncompleteEvent;
      expectEvent(last);
      expect(last.type).toBe('response.incomplete');
      expect(last.response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    });

    it('should end with response.failed when the backend fails mid-stream', async () => {
      stack = await serve(['one two three four'], { failAfter: 2 });
      const events = await rawEvents(stack.url, { input: 'x' });
      for (const { data } of events) {
        expectEvent(data);
      }
      const last = events[events.length - 1].data as OpenAI.Responses.ResponseFailedEvent;
      expect(last.type).toBe('response.failed');
      expect(last.response.status).toBe('failed');
      expect(last.response.error).toEqual({ code: 'server_error', message: expect.any(String) });
      expect(events.filter((e) => e.event === 'response.output_text.delta')).toHaveLength(2);
      // The openai client hands over the failed response, never a completed one.
      const final = await stack.client.responses.stream({ model: MODEL, input: 'x' }).finalResponse();
      expect(final).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
    });

    it('should answer a backend that fails at once with a plain HTTP error', async () => {
      stack = await serve([{ error: new Error('boom') }]);
      const response = await postJson(`${stack.url}/v1/responses`, { model: MODEL, input: 'x', stream: true });
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ error: { type: 'server_error' } });
    });

    it('should abort the backend when the client disconnects, and keep serving', async () => {
      stack = await serve([Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ')], { tokenDelayMs: 10 });
      const abort = new AbortController();
      const stream = await stack.client.responses.create(
        { model: MODEL, input: 'long', stream: true },
        { signal: abort.signal },
      );
      let deltas = 0;
      try {
        for await (const event of stream) {
          if (event.type === 'response.output_text.delta' && ++deltas === 3) {
            abort.abort();
          }
        }
      } catch {
        // The SDK ends the iteration or throws an abort error; both are a client abort.
      }
      expect(deltas).toBe(3);
      while (!stack.signals[0].aborted) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(stack.signals[0].aborted).toBe(true);
      stack.model.requests.length = 0;
      const after = await stack.client.responses.create({ model: MODEL, input: 'short' });
      expect(after.status).toBe('completed');
    });
  });

  it('should abort the backend when a non-streaming client disconnects', async () => {
    stack = await serve([Array.from({ length: 500 }, (_, i) => `w${i}`).join(' ')], { tokenDelayMs: 10 });
    const abort = new AbortController();
    const pending = stack.client.responses.create({ model: MODEL, input: 'slow' }, { signal: abort.signal });
    while (stack.signals.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    abort.abort();
    await expect(pending).rejects.toThrow();
    while (!stack.signals[0].aborted) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(stack.signals[0].aborted).toBe(true);
  });

  describe('errors', () => {
    it('should answer an unknown model and an unknown response id with 404 in OpenAI’s shape', async () => {
      stack = await serve(['x']);
      await expect(stack.client.responses.create({ model: 'nope', input: 'x' })).rejects.toMatchObject({
        status: 404,
        error: { code: 'model_not_found', param: 'model' },
      });
      const missing = await fetch(`${stack.url}/v1/responses/resp_missing`);
      expect(missing.status).toBe(404);
      const body = await missing.json();
      expectSchema('ErrorResponse', body);
      expect(body).toEqual({
        error: {
          message: "Response with id 'resp_missing' not found.",
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      });
      await expect(stack.client.responses.inputItems.list('resp_missing')).rejects.toMatchObject({ status: 404 });
    });

    it.each([
      [{ input: [{ type: 'message', role: 'robot', content: 'x' }] }, 'input.0.role'],
      [{ input: [{ type: 'function_call_output', output: 'x' }] }, 'input.0.call_id'],
      [{ input: 42 }, 'input'],
      [{ input: 'x', temperature: 3 }, 'temperature'],
      [{ input: 'x', max_output_tokens: 'many' }, 'max_output_tokens'],
      [{ input: 'x', background: true }, 'background'],
      [{ input: 'x', tool_choice: { type: 'function', name: 'missing' } }, 'tool_choice'],
      [{ input: 'x', text: { format: { type: 'xml' } } }, 'text.format.type'],
      [{ input: 'x', tools: [{ type: 'function' }] }, 'tools.0.name'],
      [{}, 'input'],
    ])('should answer %j with 400 naming %s', async (body, param) => {
      stack ??= await serve(['x']);
      const response = await postJson(`${stack.url}/v1/responses`, { model: MODEL, ...body });
      expect(response.status).toBe(400);
      const error = (await response.json()) as { error: unknown };
      expectSchema('ErrorResponse', error);
      expect(error.error).toMatchObject({ type: 'invalid_request_error', param });
    });
  });

  it('should document every Responses route in the OpenAPI document', async () => {
    stack = await serve(['x']);
    const document = (await (await fetch(`${stack.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(document.paths['/v1/responses'])).toEqual(['post']);
    expect(document.paths['/v1/responses'].post.requestBody).toBeDefined();
    expect(Object.keys(document.paths['/v1/responses/{id}']).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(document.paths['/v1/responses/{id}/input_items'])).toEqual(['get']);
    for (const operations of ['/v1/responses', '/v1/responses/{id}', '/v1/responses/{id}/input_items']) {
      for (const operation of Object.values(document.paths[operations])) {
        expect(operation.responses['200']).toMatchObject({
          content: { 'application/json': { schema: expect.any(Object) } },
        });
      }
    }
  });

  describe('with API keys', () => {
    it('should let only the key that created a response read, continue or delete it', async () => {
      const model = new ScriptedModel({ replies: ['mine'] });
      const server = await withEnv({ API_KEYS: 'key-a,key-b' }, () =>
        startServer({ agents: new ChatAgent({ model }) }),
      );
      try {
        const a = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-a', maxRetries: 0 });
        const b = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-b', maxRetries: 0 });
        const created = await a.responses.create({ model: MODEL, input: 'private' });
        expect((await a.responses.retrieve(created.id)).id).toBe(created.id);
        await expect(b.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
        await expect(b.responses.inputItems.list(created.id)).rejects.toMatchObject({ status: 404 });
        await expect(
          b.responses.create({ model: MODEL, input: 'x', previous_response_id: created.id }),
        ).rejects.toMatchObject({ status: 404 });
        await expect(b.responses.delete(created.id)).rejects.toMatchObject({ status: 404 });
        await expect(
          b.responses.create({ model: MODEL, input: [{ type: 'item_reference', id: created.output[0].id! }] }),
        ).rejects.toMatchObject({ status: 404 });
        await a.responses.delete(created.id);
        await expect(a.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
      } finally {
        await server.close();
      }
    });
  });
});
