import { HttpAgent } from '@ag-ui/client';
import { type BaseEvent, EventType, type Message, type Tool } from '@ag-ui/core';
import { EventSchemas } from '@ag-ui/core/schemas';
import { decode, AGUI_MEDIA_TYPE } from '@ag-ui/proto';
import { z } from 'zod';
import { ScriptedModel, type ScriptedResponder } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import { FunctionTool } from '../src/core/tools/function-tool';
import { contentText } from '../src/core/tokens';
import type { ModelRequest } from '../src/core/types';
import type { WireErrorBody } from '../src/openai/openai.types';
import { postJson } from './utils/sse';
import { startServer, startUpstreamStack, type TestServer } from './utils/test-server';
import { withEnv } from './utils/with-env';

const MODEL = 'camel-model';

const weatherTool = new FunctionTool({
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: z.object({ city: z.string() }),
  execute: ({ city }) => `${city}: 21C`,
});

/** The front end's tool, as an AG-UI `Tool`. */
const localTime: Tool = {
  name: 'get_local_time',
  description: "The user's local time",
  parameters: { type: 'object', properties: {} },
};

const lastToolResults = (request: ModelRequest) =>
  request.messages.filter((m) => m.role === 'tool').map((m) => `${m.toolCallId}=${contentText(m.content)}`);

interface Stack extends TestServer {
  model: ScriptedModel;
}

async function serve(replies: ScriptedResponder, tokenDelayMs = 0): Promise<Stack> {
  const model = new ScriptedModel({ replies, tokenDelayMs });
  const server = await startServer({ agents: new ChatAgent({ systemMessage: 'SYS', model, tools: [weatherTool] }) });
  return { ...server, model };
}

/** An official AG-UI client on the agent's endpoint, recording every event it receives (validated by schema). */
function client(url: string, messages: Message[] = []) {
  const agent = new HttpAgent({ url: `${url}/v1/agents/${MODEL}/ag-ui`, initialMessages: messages });
  const events: BaseEvent[] = [];
  const run = async (params: Parameters<HttpAgent['runAgent']>[0] = {}) => {
    events.length = 0;
    return agent.runAgent(params, {
      onEvent: ({ event }) => {
        events.push(EventSchemas.parse(event));
      },
    });
  };
  return { agent, events, run, types: () => events.map((e) => e.type) };
}

const user = (content: string, id = `u-${content.length}`): Message => ({ id, role: 'user', content });

describe('AG-UI endpoint (e2e, official @ag-ui/client)', () => {
  let stack: TestServer | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('should stream a text run as RUN_STARTED, one text message and RUN_FINISHED with usage', async () => {
    const served = await serve(() => 'Hello there, traveller.');
    stack = served;
    const { agent, events, run, types } = client(served.url, [user('Hi')]);
    const { newMessages } = await run();
    expect(types()[0]).toBe(EventType.RUN_STARTED);
    expect(types().at(-1)).toBe(EventType.RUN_FINISHED);
    expect(types().filter((t) => t === EventType.TEXT_MESSAGE_START)).toHaveLength(1);
    expect(types().filter((t) => t === EventType.TEXT_MESSAGE_CONTENT).length).toBeGreaterThan(1);
    expect(newMessages).toEqual([expect.objectContaining({ role: 'assistant', content: 'Hello there, traveller.' })]);
    const finished = events.at(-1) as unknown as { usage: Array<{ inputTokens: number; outputTokens: number }> };
    expect(finished.usage[0].inputTokens).toBeGreaterThan(0);
    expect(finished.usage[0].outputTokens).toBeGreaterThan(0);
    expect(agent.messages).toHaveLength(2);
    // The agent's own template comes first; the client's message follows.
    expect(served.model.requests[0].messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it("should show the agent's own tool run as START, ARGS, END and RESULT, then the text", async () => {
    const served = await serve((request, i) =>
      i === 0
        ? { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }
        : `Now: ${contentText(request.messages.at(-1)?.content ?? null)}`,
    );
    stack = served;
    const { events, run, types } = client(served.url, [user('Weather in Paris?')]);
    const { newMessages } = await run();
    expect(types()).toEqual([
      EventType.RUN_STARTED,
      EventType.TOOL_CALL_START,
      EventType.TOOL_CALL_ARGS,
      EventType.TOOL_CALL_END,
      EventType.TOOL_CALL_RESULT,
      EventType.TEXT_MESSAGE_START,
      ...types().filter((t) => t === EventType.TEXT_MESSAGE_CONTENT),
      EventType.TEXT_MESSAGE_END,
      EventType.RUN_FINISHED,
    ]);
    const start = events[1] as unknown as { toolCallId: string; toolCallName: string };
    expect(start.toolCallName).toBe('get_weather');
    expect(JSON.parse((events[2] as unknown as { delta: string }).delta)).toEqual({ city: 'Paris' });
    const result = events[4] as unknown as { toolCallId: string; content: string };
    expect(result).toMatchObject({ toolCallId: start.toolCallId, content: 'Paris: 21C' });
    expect(newMessages.map((m) => m.role)).toEqual(['assistant', 'tool', 'assistant']);
    expect(newMessages.at(-1)).toMatchObject({ content: 'Now: Paris: 21C' });
    // No front-end call is pending.
    expect((events.at(-1) as unknown as { outcome: unknown }).outcome).toEqual({ type: 'success' });
  });

  it("should hand the front end's tool calls back and finish the turn with their results", async () => {
    const served = await serve((request) => {
      const results = lastToolResults(request);
      return results.length === 0
        ? { content: 'Let me look.', toolCalls: [{ name: 'get_local_time', arguments: {} }] }
        : `Your time: ${results.join(', ')}`;
    });
    stack = served;
    const { agent, events, run, types } = client(served.url, [user('What time is it?')]);
    await run({ tools: [localTime] });
    expect(types()).toEqual([
      EventType.RUN_STARTED,
      EventType.TEXT_MESSAGE_START,
      ...types().filter((t) => t === EventType.TEXT_MESSAGE_CONTENT),
      EventType.TEXT_MESSAGE_END,
      EventType.TOOL_CALL_START,
      // The arguments stream as the model writes them (the scripted backend splits them in two).
      EventType.TOOL_CALL_ARGS,
      EventType.TOOL_CALL_ARGS,
      EventType.TOOL_CALL_END,
      EventType.RUN_FINISHED,
    ]);
    const callId = (events.find((e) => e.type === EventType.TOOL_CALL_START) as unknown as { toolCallId: string })
      .toolCallId;
    expect((events.at(-1) as unknown as { outcome: unknown }).outcome).toEqual({
      type: 'success',
      pendingToolCallIds: [callId],
    });
    expect(served.model.requests[0].tools?.map((t) => t.name)).toEqual(['get_weather', 'get_local_time']);

    // The front end runs its tool and sends the result in the next run of the same thread.
    agent.addMessage({ id: 'tool-1', role: 'tool', toolCallId: callId, content: '10:42' });
    const { newMessages } = await run({ tools: [localTime] });
    expect(newMessages.at(-1)).toMatchObject({ role: 'assistant', content: `Your time: ${callId}=10:42` });
    const second = served.model.requests[1].messages;
    expect(second.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(second[2]).toMatchObject({ content: 'Let me look.', toolCalls: [{ id: callId, name: 'get_local_time' }] });
  });

  it("should restore the agent's half of a mixed turn when the front end's results come back", async () => {
    const served = await serve((request, i) =>
      i === 0
        ? {
            toolCalls: [
              { name: 'get_weather', arguments: { city: 'Oslo' } },
              { name: 'get_local_time', arguments: {} },
            ],
          }
        : `Done: ${lastToolResults(request).join(' | ')}`,
    );
    stack = served;
    const { agent, events, run } = client(served.url, [user('Weather and time?')]);
    await run({ tools: [localTime] });
    const starts = events.filter((e) => e.type === EventType.TOOL_CALL_START) as unknown as Array<{
      toolCallId: string;
      toolCallName: string;
      parentMessageId: string;
    }>;
    expect(starts.map((s) => s.toolCallName).sort()).toEqual(['get_local_time', 'get_weather']);
    // One model turn, one assistant message: both calls share their parent.
    expect(new Set(starts.map((s) => s.parentMessageId)).size).toBe(1);
    const own = starts.find((s) => s.toolCallName === 'get_weather')!;
    const front = starts.find((s) => s.toolCallName === 'get_local_time')!;
    expect(events.find((e) => e.type === EventType.TOOL_CALL_RESULT)).toMatchObject({
      toolCallId: own.toolCallId,
      content: 'Oslo: 21C',
    });
    expect((events.at(-1) as unknown as { outcome: unknown }).outcome).toEqual({
      type: 'success',
      pendingToolCallIds: [front.toolCallId],
    });

    agent.addMessage({ id: 'tool-2', role: 'tool', toolCallId: front.toolCallId, content: '08:00' });
    const { newMessages } = await run({ tools: [localTime] });
    // The model sees the whole turn again, its calls in their original order, each answered once.
    const turn = served.model.requests[1].messages.slice(2);
    expect(turn[0].toolCalls?.map((c) => c.name)).toEqual(['get_weather', 'get_local_time']);
    expect(turn.slice(1).map((m) => `${m.toolCallId}=${contentText(m.content)}`)).toEqual([
      `${own.toolCallId}=Oslo: 21C`,
      `${front.toolCallId}=08:00`,
    ]);
    expect(newMessages.at(-1)).toMatchObject({
      content: `Done: ${own.toolCallId}=Oslo: 21C | ${front.toolCallId}=08:00`,
    });
  });

  it('should end a run that fails after it started with RUN_ERROR', async () => {
    const served = await serve((_request, i) =>
      i === 0
        ? { toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] }
        : { error: new Error('backend exploded') },
    );
    stack = served;
    const { events, run, types } = client(served.url, [user('Weather in Rome?')]);
    let failure: unknown;
    try {
      await run();
    } catch (error) {
      failure = error;
    }
    expect(types()).toContain(EventType.TOOL_CALL_RESULT);
    expect(types().at(-1)).toBe(EventType.RUN_ERROR);
    expect(types()).not.toContain(EventType.RUN_FINISHED);
    expect(events.at(-1)).toMatchObject({ message: expect.any(String), code: expect.any(String) });
    // The client rejects the run or resolves it: either way it saw the error event, not a broken stream.
    expect(failure === undefined || failure instanceof Error).toBe(true);
  });

  it('should abort the backend request when the front end aborts the run, and keep serving', async () => {
    const upstream = await startUpstreamStack();
    stack = upstream;
    upstream.upstream.responder = () => ({
      content: Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '),
      chunkDelayMs: 20,
    });
    const agent = new HttpAgent({ url: `${upstream.url}/v1/agents/${MODEL}/ag-ui`, initialMessages: [user('Long')] });
    let contents = 0;
    await agent
      .runAgent(
        {},
        {
          onTextMessageContentEvent: () => {
            if (++contents === 3) {
              agent.abortRun();
            }
          },
        },
      )
      .catch(() => undefined);
    expect(contents).toBeGreaterThanOrEqual(3);
    expect(await upstream.upstream.completions[0].closedEarly).toBe(true);

    upstream.upstream.responder = () => ({ content: 'still alive' });
    const after = client(upstream.url, [user('Hi')]);
    const { newMessages } = await after.run();
    expect(newMessages[0]).toMatchObject({ content: 'still alive' });
  });

  it('should answer an invalid RunAgentInput with a 400 naming the field, and an unknown agent with a 404', async () => {
    stack = await serve(() => 'unused');
    const bad = await postJson(`${stack.url}/v1/agents/${MODEL}/ag-ui`, {
      threadId: 't',
      runId: 'r',
      messages: [{ id: 'm', role: 'user', content: 42 }],
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as WireErrorBody).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'messages[0].content',
    });

    const temperature = await postJson(`${stack.url}/v1/agents/${MODEL}/ag-ui`, {
      threadId: 't',
      runId: 'r',
      messages: [],
      forwardedProps: { temperature: 'hot' },
    });
    expect(temperature.status).toBe(400);
    expect(((await temperature.json()) as WireErrorBody).error.param).toBe('forwardedProps.temperature');

    const unknown = await postJson(`${stack.url}/v1/agents/nobody/ag-ui`, { threadId: 't', runId: 'r', messages: [] });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as WireErrorBody).error.code).toBe('model_not_found');
  });

  it('should honour forwardedProps (system message under the policy, temperature) and context', async () => {
    const served = await serve(() => 'ok');
    stack = served;
    const { run } = client(served.url, [user('Hi')]);
    await run({
      forwardedProps: { systemMessage: 'Talk like a pirate.', temperature: 0.3 },
      context: [{ description: 'page', value: 'settings' }],
    });
    const request = served.model.requests[0];
    expect(request.temperature).toBe(0.3);
    expect(request.messages.map((m) => [m.role, m.content])).toEqual([
      ['system', 'SYS'],
      ['system', 'Talk like a pirate.'],
      ['system', 'Context from the application:\n- page: settings'],
      ['user', 'Hi'],
    ]);
  });

  it('should apply API keys and rate limits (OpenAI error shapes) and the request timeout (RUN_ERROR)', async () => {
    const served = await withEnv({ API_KEYS: 'good-key', RATE_LIMIT_RPM: '1', REQUEST_TIMEOUT_MS: '400' }, () =>
      serve(() => Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '), 50),
    );
    stack = served;
    const url = `${served.url}/v1/agents/${MODEL}/ag-ui`;
    const failure = (headers: Record<string, string>) =>
      new HttpAgent({ url, headers, initialMessages: [user('Hi')] }).runAgent().then(
        () => undefined,
        (error: { status?: number; payload?: WireErrorBody }) => error,
      );

    const unauthorized = await failure({ Authorization: 'Bearer wrong-key' });
    expect(unauthorized?.status).toBe(401);
    expect(unauthorized?.payload?.error.code).toBe('invalid_api_key');

    // The first run is allowed and outlives REQUEST_TIMEOUT_MS: the stream had started, so RUN_ERROR ends it.
    const events: BaseEvent[] = [];
    await new HttpAgent({ url, headers: { Authorization: 'Bearer good-key' }, initialMessages: [user('Hi')] })
      .runAgent({}, { onEvent: ({ event }) => void events.push(EventSchemas.parse(event)) })
      .catch(() => undefined);
    expect(events.map((e) => e.type)).toContain(EventType.TEXT_MESSAGE_CONTENT);
    expect(events.at(-1)).toMatchObject({ type: EventType.RUN_ERROR, code: 'timeout' });

    const limited = await failure({ Authorization: 'Bearer good-key' });
    expect(limited?.status).toBe(429);
    expect(limited?.payload?.error.code).toBe('rate_limit_exceeded');
  });

  it('should speak protobuf when the client asks for it', async () => {
    stack = await serve(() => 'Binary hello');
    const response = await postJson(
      `${stack.url}/v1/agents/${MODEL}/ag-ui`,
      { threadId: 't', runId: 'r', messages: [user('Hi')] },
      { headers: { 'content-type': 'application/json', accept: AGUI_MEDIA_TYPE } },
    );
    expect(response.headers.get('content-type')).toBe(AGUI_MEDIA_TYPE);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const decoded: BaseEvent[] = [];
    for (let offset = 0; offset < bytes.length;) {
      const length = new DataView(bytes.buffer, offset, 4).getUint32(0, false);
      decoded.push(decode(bytes.subarray(offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
    expect(decoded[0].type).toBe(EventType.RUN_STARTED);
    expect(decoded.at(-1)?.type).toBe(EventType.RUN_FINISHED);
    const text = decoded
      .filter((e) => e.type === EventType.TEXT_MESSAGE_CONTENT)
      .map((e) => (e as unknown as { delta: string }).delta)
      .join('');
    expect(text).toBe('Binary hello');
  });
});
