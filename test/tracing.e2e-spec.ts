import { randomBytes, randomUUID } from 'node:crypto';
import { FakeUpstream, lastUserText, type RecordedRequest } from './utils/fake-upstream';
import { childrenOf, inStartOrder, OtlpReceiver, type ReceivedSpan, SPAN_KIND } from './utils/otlp-receiver';
import { loadedSdkModules, logLineOf, startTracedService, type TracedService } from './utils/traced-service';

/** The agent of test/utils/traced-agent-server.ts. */
const MODEL = 'clock-agent';
/** Written into every question: no span may carry it unless content capture is opted in. */
const MARKER = 'private-question-7f3a';

/** A traceparent from a caller: its trace id and span id, sampled. */
function callerTraceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

describe('Tracing (e2e, OTLP/HTTP receiver)', () => {
  const receiver = new OtlpReceiver();
  const upstream = new FakeUpstream();
  let endpoint: string;
  let upstreamUrl: string;
  let service: TracedService;
  /** Only the standard variables: the service starts our SDK, exporting OTLP/JSON to the receiver. */
  const otelEnv = () => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '20',
    OTEL_SERVICE_NAME: 'tracing-e2e',
  });

  beforeAll(async () => {
    endpoint = await receiver.start();
    upstreamUrl = await upstream.start();
    // The agent calls its own tool twice in its first turn, then answers from the results; "slow" questions get a
    // long, slow reply to be cut off; "fail" ones an upstream 500.
    upstream.responder = (body) => {
      if (body.messages?.at(-1)?.role === 'tool') {
        return { content: 'Paris and Tokyo: both 12:00' };
      }
      if (lastUserText(body).includes('fail')) {
        return { status: 500 };
      }
      if (lastUserText(body).includes('slow')) {
        return { content: 'tick '.repeat(200), chunkDelayMs: 20 };
      }
      return {
        toolCalls: [
          { name: 'get_time', arguments: '{"city":"Paris"}' },
          { name: 'get_time', arguments: '{"city":"Tokyo"}' },
        ],
      };
    };
    service = await startTracedService({ ...otelEnv(), UPSTREAM_URL: upstreamUrl });
  });

  afterAll(async () => {
    await service?.stop();
    await upstream.stop();
    await receiver.stop();
  });

  /** The spans of the request whose id is `requestId`, once `count` of them arrived. */
  async function traceOf(requestId: string, count: number): Promise<{ http: ReceivedSpan; spans: ReceivedSpan[] }> {
    const isRoot = (span: ReceivedSpan) =>
      (span.attributes['http.response.header.x-request-id'] as string[] | undefined)?.[0] === requestId;
    const all = await receiver.waitFor((spans) => {
      const root = spans.find(isRoot);
      return root !== undefined && spans.filter((span) => span.traceId === root.traceId).length >= count;
    }, `${count} spans of request ${requestId}`);
    const http = all.find(isRoot)!;
    return { http, spans: all.filter((span) => span.traceId === http.traceId) };
  }

  const upstreamRequestsOf = (traceId: string): RecordedRequest[] =>
    upstream.completions.filter((request) => String(request.headers.traceparent).includes(traceId));

  it('should trace a request as HTTP → invoke_agent → chat, execute_tool ×2, chat, continuing the caller’s trace', async () => {
    const caller = callerTraceparent();
    const requestId = randomUUID();
    const completion = await service.client.chat.completions.create(
      { model: MODEL, messages: [{ role: 'user', content: `What time is it? ${MARKER}` }] },
      { headers: { traceparent: caller.header, 'x-request-id': requestId } },
    );
    expect(completion.choices[0].message.content).toBe('Paris and Tokyo: both 12:00');

    const { http, spans } = await traceOf(requestId, 6);
    expect(spans).toHaveLength(6);
    // The caller's trace continues: same trace id, our server span is the child of the caller's span.
    expect(http.traceId).toBe(caller.traceId);
    expect(http.parentSpanId).toBe(caller.spanId);
    expect(http.name).toBe('POST /v1/chat/completions');
    expect(http.kind).toBe(SPAN_KIND.server);
    expect(http.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'url.path': '/v1/chat/completions',
      'http.response.status_code': 200,
    });
    expect(http.resource['service.name']).toBe('tracing-e2e');

    const [run, ...others] = childrenOf(spans, http);
    expect(others).toEqual([]);
    expect(run.name).toBe(`invoke_agent ${MODEL}`);
    expect(run.kind).toBe(SPAN_KIND.internal);
    expect(run.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'openai',
      'gen_ai.agent.name': MODEL,
      'gen_ai.request.model': 'upstream-model',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': completion.usage?.prompt_tokens,
      'gen_ai.usage.output_tokens': completion.usage?.completion_tokens,
    });

    // Under the run, in time order: the model call that asked for the tools, both tool calls, the model call that
    // answered.
    const steps = inStartOrder(childrenOf(spans, run));
    expect(steps.map((span) => span.name)).toEqual([
      'chat upstream-model',
      'execute_tool get_time',
      'execute_tool get_time',
      'chat upstream-model',
    ]);
    const [firstChat, toolA, toolB, secondChat] = steps;
    for (const chat of [firstChat, secondChat]) {
      expect(chat.kind).toBe(SPAN_KIND.client);
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'upstream-model',
        'gen_ai.request.temperature': 0.3,
        'gen_ai.request.max_tokens': 200,
        'gen_ai.response.model': 'upstream-model',
        'gen_ai.response.id': 'chatcmpl-upstream',
      });
      expect(chat.attributes['gen_ai.usage.input_tokens']).toEqual(expect.any(Number));
      expect(chat.attributes['gen_ai.usage.output_tokens']).toEqual(expect.any(Number));
    }
    expect(firstChat.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(secondChat.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    for (const tool of [toolA, toolB]) {
      expect(tool.kind).toBe(SPAN_KIND.internal);
      expect(tool.attributes).toMatchObject({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'get_time',
      });
      expect(tool.attributes['gen_ai.tool.call.id']).toMatch(/^call_/);
      expect(tool.status.code).toBe(0);
    }
    expect(toolA.attributes['gen_ai.tool.call.id']).not.toBe(toolB.attributes['gen_ai.tool.call.id']);

    // Each upstream request carried the traceparent of its own chat span.
    const upstreamRequests = upstreamRequestsOf(caller.traceId);
    expect(upstreamRequests.map((request) => request.headers.traceparent)).toEqual([
      `00-${caller.traceId}-${firstChat.spanId}-01`,
      `00-${caller.traceId}-${secondChat.spanId}-01`,
    ]);

    // No content without the opt-in, and never a key.
    for (const secret of [MARKER, 'Paris', 'You tell the time', 'test-key', 'upstream-key']) {
      expect(exported(spans)).not.toContain(secret);
    }

    // The request's log line names its trace and server span.
    expect(await logLineOf(service, requestId)).toMatchObject({ trace_id: caller.traceId, span_id: http.spanId });
  });

  it('should trace a streamed request with the stream flag and time to first chunk on its model calls', async () => {
    const requestId = randomUUID();
    const stream = await service.client.chat.completions.create(
      { model: MODEL, stream: true, messages: [{ role: 'user', content: `Time please ${MARKER}` }] },
      { headers: { 'x-request-id': requestId } },
    );
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Paris and Tokyo: both 12:00');

    const { http, spans } = await traceOf(requestId, 6);
    // No incoming traceparent: our server span is the root of a new trace.
    expect(http.parentSpanId).toBeUndefined();
    const [run] = childrenOf(spans, http);
    expect(run.name).toBe(`invoke_agent ${MODEL}`);
    expect(run.status.code).toBe(0);
    const chats = childrenOf(spans, run).filter((span) => span.name === 'chat upstream-model');
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(chat.attributes['gen_ai.request.stream']).toBe(true);
      const ttft = chat.attributes['gen_ai.response.time_to_first_chunk'] as number;
      expect(ttft).toBeGreaterThan(0);
      expect(ttft * 1e9).toBeLessThanOrEqual(Number(chat.endNs - chat.startNs));
      expect(chat.attributes['gen_ai.response.id']).toBe('chatcmpl-upstream');
    }
    expect(childrenOf(spans, run).filter((span) => span.name === 'execute_tool get_time')).toHaveLength(2);
    expect(upstreamRequestsOf(http.traceId).map((request) => request.headers.traceparent)).toEqual(
      inStartOrder(chats).map((chat) => `00-${http.traceId}-${chat.spanId}-01`),
    );
    expect(exported(spans)).not.toContain(MARKER);
  });

  it('should trace a streamed Responses API request as the same tree, under POST /v1/responses', async () => {
    const caller = callerTraceparent();
    const requestId = randomUUID();
    const stream = await service.client.responses.create(
      { model: MODEL, stream: true, input: `What time is it? ${MARKER}` },
      { headers: { traceparent: caller.header, 'x-request-id': requestId } },
    );
    let text = '';
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') {
        text += event.delta;
      }
    }
    expect(text).toBe('Paris and Tokyo: both 12:00');

    const { http, spans } = await traceOf(requestId, 6);
    expect(http.traceId).toBe(caller.traceId);
    expect(http.parentSpanId).toBe(caller.spanId);
    expect(http.name).toBe('POST /v1/responses');
    expect(http.attributes).toMatchObject({ 'http.route': '/v1/responses', 'http.response.status_code': 200 });
    const [run, ...others] = childrenOf(spans, http);
    expect(others).toEqual([]);
    expect(run.name).toBe(`invoke_agent ${MODEL}`);
    expect(run.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    const steps = inStartOrder(childrenOf(spans, run));
    expect(steps.map((span) => span.name)).toEqual([
      'chat upstream-model',
      'execute_tool get_time',
      'execute_tool get_time',
      'chat upstream-model',
    ]);
    const chats = steps.filter((span) => span.name === 'chat upstream-model');
    expect(upstreamRequestsOf(caller.traceId).map((request) => request.headers.traceparent)).toEqual(
      chats.map((chat) => `00-${caller.traceId}-${chat.spanId}-01`),
    );
    expect(exported(spans)).not.toContain(MARKER);
  });

  it('should end the spans of a stream the client aborted with error.type cancelled', async () => {
    const requestId = randomUUID();
    const controller = new AbortController();
    const stream = await service.client.chat.completions.create(
      { model: MODEL, stream: true, messages: [{ role: 'user', content: 'slow answer please' }] },
      { headers: { 'x-request-id': requestId }, signal: controller.signal },
    );
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) {
        controller.abort();
        break;
      }
    }

    const { http, spans } = await traceOf(requestId, 3);
    const [run] = childrenOf(spans, http);
    const [chat] = childrenOf(spans, run);
    expect(chat.name).toBe('chat upstream-model');
    for (const span of [run, chat]) {
      expect(span.attributes['error.type']).toBe('cancelled');
      expect(span.status.code).toBe(2);
    }
    // The reply was cut off: no finish reason, no usage.
    expect(chat.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    expect(chat.attributes['gen_ai.response.time_to_first_chunk']).toEqual(expect.any(Number));
  });

  it('should mark an upstream failure on every span of the request', async () => {
    const requestId = randomUUID();
    await expect(
      service.client.chat.completions.create(
        { model: MODEL, messages: [{ role: 'user', content: 'please fail' }] },
        { headers: { 'x-request-id': requestId } },
      ),
    ).rejects.toMatchObject({ status: 502 });
    const { http, spans } = await traceOf(requestId, 3);
    expect(http.attributes).toMatchObject({ 'http.response.status_code': 502, 'error.type': '502' });
    const [run] = childrenOf(spans, http);
    const [chat] = childrenOf(spans, run);
    for (const span of [http, run, chat]) {
      expect(span.status.code).toBe(2);
    }
    expect(run.attributes['error.type']).toBe('upstream_error');
    expect(chat.attributes['error.type']).toBe('upstream_error');
  });

  it('should record message content, tool arguments and results only when opted in', async () => {
    const capturing = await startTracedService({
      ...otelEnv(),
      UPSTREAM_URL: upstreamUrl,
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
    });
    const requestId = randomUUID();
    try {
      await capturing.client.chat.completions.create(
        { model: MODEL, messages: [{ role: 'user', content: `What time is it? ${MARKER}` }] },
        { headers: { 'x-request-id': requestId } },
      );
    } finally {
      await capturing.stop();
    }
    const { http, spans } = await traceOf(requestId, 6);
    const [run] = childrenOf(spans, http);
    expect(JSON.parse(run.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: `What time is it? ${MARKER}` }] },
    ]);
    expect(JSON.parse(run.attributes['gen_ai.system_instructions'] as string)).toEqual([
      { type: 'text', content: 'You tell the time.' },
    ]);
    expect(JSON.parse(run.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Paris and Tokyo: both 12:00' }], finish_reason: 'stop' },
    ]);
    const steps = inStartOrder(childrenOf(spans, run));
    const secondChatInput = JSON.parse(steps[3].attributes['gen_ai.input.messages'] as string) as Array<{
      role: string;
    }>;
    expect(secondChatInput.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool']);
    const tools = steps.filter((span) => span.name === 'execute_tool get_time');
    expect(tools.map((tool) => tool.attributes['gen_ai.tool.call.arguments']).sort()).toEqual([
      '{"city":"Paris"}',
      '{"city":"Tokyo"}',
    ]);
    expect(tools.map((tool) => tool.attributes['gen_ai.tool.call.result']).sort()).toEqual([
      '"Paris: 12:00"',
      '"Tokyo: 12:00"',
    ]);
    // Content, yes; keys, never.
    expect(exported(spans)).not.toMatch(/test-key|upstream-key/);
  });

  it('should export OTLP/JSON to the endpoint the variables name, with the SDK loaded', async () => {
    const output = await service.stop();
    expect(receiver.exports.length).toBeGreaterThan(0);
    expect(receiver.exports.every((e) => e.path === '/v1/traces' && e.contentType === 'application/json')).toBe(true);
    expect(receiver.spans.length).toBeGreaterThan(0);
    expect(receiver.spans.every((span) => span.scope === 'chat-agent-server')).toBe(true);
    expect(loadedSdkModules(output).some((path) => path.includes('sdk-trace-base'))).toBe(true);
  });

  it('should export OTLP/protobuf by default', async () => {
    const proto = await startTracedService({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '20',
      UPSTREAM_URL: upstreamUrl,
    });
    const caller = callerTraceparent();
    try {
      await proto.client.chat.completions.create(
        { model: MODEL, messages: [{ role: 'user', content: 'What time is it?' }] },
        { headers: { traceparent: caller.header } },
      );
    } finally {
      await proto.stop();
    }
    // No protobuf decoder here: the spans' trace id (16 raw bytes) and names must be in the bodies received.
    const bodies = Buffer.concat(
      receiver.exports.filter((e) => e.contentType === 'application/x-protobuf').map((e) => e.body),
    );
    expect(bodies.includes(Buffer.from(caller.traceId, 'hex'))).toBe(true);
    for (const name of ['POST /v1/chat/completions', 'invoke_agent clock-agent', 'chat upstream-model']) {
      expect(bodies.includes(Buffer.from(name))).toBe(true);
    }
  });

  it('should load no SDK, emit nothing and forward no traceparent when tracing is off', async () => {
    const before = receiver.exports.length;
    const plain = await startTracedService({ UPSTREAM_URL: upstreamUrl });
    const requestId = randomUUID();
    const question = `Untraced question ${randomUUID()}`;
    let output: string;
    try {
      await plain.client.chat.completions.create(
        { model: MODEL, messages: [{ role: 'user', content: question }] },
        { headers: { 'x-request-id': requestId, traceparent: callerTraceparent().header } },
      );
      await logLineOf(plain, requestId);
    } finally {
      output = await plain.stop();
    }
    expect(loadedSdkModules(output)).toEqual([]);
    await expect(logLineOf(plain, requestId)).resolves.not.toHaveProperty('trace_id');
    const sent = upstream.completions.filter((request) => lastUserText(request.body) === question);
    expect(sent).toHaveLength(2);
    for (const request of sent) {
      expect(request.headers.traceparent).toBeUndefined();
    }
    expect(receiver.exports.length).toBe(before);
  });
});

/** What the spans would show a trace viewer's user: names, attributes, resource, events, status. */
function exported(spans: ReceivedSpan[]): string {
  return JSON.stringify(
    spans.map(({ name, attributes, resource, events, status }) => [name, attributes, resource, events, status]),
  );
}
