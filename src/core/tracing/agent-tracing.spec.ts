import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { z } from 'zod';
import { ScriptedModel } from '../backends/scripted.model';
import { ChatAgent, type AgentStreamEvent } from '../chat-agent';
import { ApiError } from '../errors';
import { FunctionTool } from '../tools/function-tool';
import type { ChatMessage, ModelRequest } from '../types';
import { traceHeaders } from './trace-headers';

// The library alone: an application registers the SDK (here with the in-memory exporter), the agent traces through
// @opentelemetry/api without any server.
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

const clock = new FunctionTool({
  name: 'get_time',
  description: 'The time in a city',
  parameters: z.object({ city: z.string() }),
  execute: ({ city }) => `${city}: 12:00`,
});

/** First turn: the agent's own tool, twice in parallel; second turn: the answer, from the tool results. */
const twoCallsThenAnswer = (request: ModelRequest, index: number) =>
  index === 0
    ? {
        toolCalls: [
          { name: 'get_time', arguments: { city: 'Paris' } },
          { name: 'get_time', arguments: { city: 'Tokyo' } },
        ],
      }
    : `Times: ${request.messages
        .filter((m) => m.role === 'tool')
        .map((m) => m.content as string)
        .join(', ')}`;

const ask: ChatMessage[] = [{ role: 'user', content: 'secret question about the time' }];

function byName(name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.name === name);
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

async function drain(events: AsyncIterable<AgentStreamEvent>): Promise<AgentStreamEvent[]> {
  const out: AgentStreamEvent[] = [];
  for await (const event of events) {
    out.push(event);
  }
  return out;
}

describe('ChatAgent tracing (library, in-memory exporter)', () => {
  beforeAll(() => provider.register());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  afterEach(() => {
    exporter.reset();
    delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
  });

  it('should trace a run as invoke_agent with chat, execute_tool, execute_tool, chat under it', async () => {
    const agent = new ChatAgent({
      name: 'clock-agent',
      systemMessage: 'Secret instructions',
      model: new ScriptedModel({ replies: twoCallsThenAnswer, modelName: 'scripted-1' }),
      tools: [clock],
      temperature: 0.2,
      maxTokens: 64,
    });
    const response = await agent.run(ask);
    expect(response.message.content).toBe('Times: Paris: 12:00, Tokyo: 12:00');

    const [run] = byName('invoke_agent clock-agent');
    expect(run).toBeDefined();
    expect(run.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(run)).toBeUndefined();
    expect(run.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'scripted',
      'gen_ai.agent.name': 'clock-agent',
      'gen_ai.request.model': 'scripted-1',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': response.usage.promptTokens,
      'gen_ai.usage.output_tokens': response.usage.completionTokens,
    });

    const chats = byName('chat scripted-1');
    const tools = byName('execute_tool get_time');
    expect(chats).toHaveLength(2);
    expect(tools).toHaveLength(2);
    const runId = run.spanContext().spanId;
    for (const span of [...chats, ...tools]) {
      expect(parentOf(span)).toBe(runId);
      expect(span.spanContext().traceId).toBe(run.spanContext().traceId);
    }
    // Spans are exported as they end: the first model call, the two tools, the second model call, then the run.
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual([
      'chat scripted-1',
      'execute_tool get_time',
      'execute_tool get_time',
      'chat scripted-1',
      'invoke_agent clock-agent',
    ]);
    const [first, second] = chats;
    expect(first.kind).toBe(SpanKind.CLIENT);
    expect(first.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'scripted',
      'gen_ai.request.model': 'scripted-1',
      'gen_ai.response.model': 'scripted-1',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.response.finish_reasons': ['tool_calls'],
    });
    expect(first.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(second.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    for (const tool of tools) {
      expect(tool.kind).toBe(SpanKind.INTERNAL);
      expect(tool.attributes).toMatchObject({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'get_time',
        'gen_ai.tool.description': 'The time in a city',
      });
    }
    expect(tools.map((t) => t.attributes['gen_ai.tool.call.id']).sort()).toEqual(
      response.agentToolCalls?.map((c) => c.id).sort(),
    );
    // No content by default: neither messages, instructions nor tool arguments and results.
    for (const span of exporter.getFinishedSpans()) {
      expect(JSON.stringify(span.attributes)).not.toMatch(/secret|Secret|Paris|Tokyo/);
      expect(span.events).toEqual([]);
    }
  });

  it('should record time to first chunk and the stream flag on a streamed model call', async () => {
    const agent = new ChatAgent({ model: new ScriptedModel({ replies: ['one two three'] }) });
    await drain(agent.runStream(ask));
    const [chat] = byName('chat scripted');
    expect(chat.attributes['gen_ai.request.stream']).toBe(true);
    expect(chat.attributes['gen_ai.response.time_to_first_chunk']).toEqual(expect.any(Number));
    expect(byName('invoke_agent')).toHaveLength(1);
  });

  it('should nest under the caller’s active span and make the chat span the one upstream headers carry', async () => {
    let upstreamTraceparent: string | undefined;
    let chatSpanId: string | undefined;
    const model = new ScriptedModel({
      replies: () => {
        // What a backend's request would carry (traceHeaders()), read inside the backend's call.
        upstreamTraceparent = traceHeaders().traceparent;
        chatSpanId = trace.getActiveSpan()?.spanContext().spanId;
        return 'ok';
      },
    });
    const agent = new ChatAgent({ model });
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('caller', async (caller) => {
      await drain(agent.runStream(ask));
      caller.end();
    });
    const [caller] = byName('caller');
    const [run] = byName('invoke_agent');
    const [chat] = byName('chat scripted');
    expect(parentOf(run)).toBe(caller.spanContext().spanId);
    expect(parentOf(chat)).toBe(run.spanContext().spanId);
    expect(chatSpanId).toBe(chat.spanContext().spanId);
    expect(upstreamTraceparent).toBe(`00-${chat.spanContext().traceId}-${chat.spanContext().spanId}-01`);
  });

  it('should record message content, tool arguments and results only when opted in', async () => {
    process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
    const agent = new ChatAgent({
      name: 'clock-agent',
      systemMessage: 'Secret instructions',
      model: new ScriptedModel({ replies: twoCallsThenAnswer }),
      tools: [clock],
    });
    await drain(agent.runStream(ask));
    const [run] = byName('invoke_agent clock-agent');
    expect(JSON.parse(run.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'secret question about the time' }] },
    ]);
    expect(JSON.parse(run.attributes['gen_ai.system_instructions'] as string)).toEqual([
      { type: 'text', content: 'Secret instructions' },
    ]);
    expect(JSON.parse(run.attributes['gen_ai.output.messages'] as string)).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'Times: Paris: 12:00, Tokyo: 12:00' }],
        finish_reason: 'stop',
      },
    ]);
    const chats = byName('chat scripted');
    const withCalls = chats.find((c) => (c.attributes['gen_ai.output.messages'] as string).includes('tool_call'));
    expect(JSON.parse(withCalls?.attributes['gen_ai.output.messages'] as string)).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: expect.any(String), name: 'get_time', arguments: { city: 'Paris' } },
          { type: 'tool_call', id: expect.any(String), name: 'get_time', arguments: { city: 'Tokyo' } },
        ],
        finish_reason: 'tool_calls',
      },
    ]);
    const tools = byName('execute_tool get_time');
    expect(tools.map((t) => t.attributes['gen_ai.tool.call.arguments']).sort()).toEqual([
      '{"city":"Paris"}',
      '{"city":"Tokyo"}',
    ]);
    expect(tools.map((t) => t.attributes['gen_ai.tool.call.result']).sort()).toEqual([
      '"Paris: 12:00"',
      '"Tokyo: 12:00"',
    ]);
  });

  it('should end the spans of a failed model call and of an aborted run with error.type', async () => {
    const failing = new ChatAgent({ model: new ScriptedModel({ replies: [{ error: new TypeError('boom') }] }) });
    await expect(failing.run(ask)).rejects.toThrow('boom');
    const [chat] = byName('chat scripted');
    const [run] = byName('invoke_agent');
    for (const span of [chat, run]) {
      expect(span.attributes['error.type']).toBe('TypeError');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    }
    exporter.reset();

    const abort = new AbortController();
    const slow = new ChatAgent({ model: new ScriptedModel({ replies: ['a b c d e f'], tokenDelayMs: 5 }) });
    const events: AgentStreamEvent[] = [];
    await expect(
      (async () => {
        for await (const event of slow.runStream(ask, { signal: abort.signal })) {
          events.push(event);
          abort.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(events.length).toBeGreaterThan(0);
    for (const span of [...byName('chat scripted'), ...byName('invoke_agent')]) {
      expect(span.attributes['error.type']).toBe('cancelled');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    }
    expect(byName('invoke_agent')).toHaveLength(1);
  });

  it("should name the server's own abort reason (a timeout) as error.type", async () => {
    const controller = new AbortController();
    const agent = new ChatAgent({ model: new ScriptedModel({ replies: ['a b c d e f g'], tokenDelayMs: 5 }) });
    const run = agent.run(ask, { signal: controller.signal });
    controller.abort(new ApiError(504, 'The request timed out.', { type: 'server_error', code: 'timeout' }));
    await expect(run).rejects.toThrow();
    const spans = [...byName('chat scripted'), ...byName('invoke_agent')];
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.attributes['error.type']).toBe('timeout');
    }
  });

  it('should mark a tool call whose outcome is an error with error.type tool_error', async () => {
    const broken = new FunctionTool({
      name: 'get_time',
      parameters: z.object({ city: z.string() }),
      execute: () => {
        throw new Error('clock broke');
      },
    });
    const agent = new ChatAgent({ model: new ScriptedModel({ replies: twoCallsThenAnswer }), tools: [broken] });
    await agent.run(ask);
    const tools = byName('execute_tool get_time');
    expect(tools).toHaveLength(2);
    for (const tool of tools) {
      expect(tool.attributes['error.type']).toBe('tool_error');
      expect(tool.status.code).toBe(SpanStatusCode.ERROR);
    }
    // The run itself succeeded: the model read the errors and answered.
    expect(byName('invoke_agent')[0].attributes['error.type']).toBeUndefined();
  });
});
