import { getEventListeners } from 'node:events';
import { lastValueFrom, toArray } from 'rxjs';
import { ScriptedModel } from '../core/backends/scripted.model';
import { ChatAgent, type AgentStreamEvent } from '../core/chat-agent';
import { ApiError } from '../core/errors';
import type { ModelBackend } from '../core/model-backend';
import { FunctionTool } from '../core/tools/function-tool';
import type { ModelRequest } from '../core/types';
import { RequestContext } from '../request-context/request-context';
import { AgentService, type AgentCall } from './agent.service';

const user = [{ role: 'user' as const, content: 'hello there' }];

/** The service serving one agent as 'm'. */
function serve(agent: ChatAgent): AgentService {
  return new AgentService(new Map([['m', agent]]));
}

const call = (scope?: RequestContext, extra: Partial<AgentCall> = {}): AgentCall => ({
  model: 'm',
  messages: user,
  scope,
  ...extra,
});

async function run(agent: ChatAgent, scope?: RequestContext, extra?: Partial<AgentCall>) {
  const [response] = await serve(agent).run(call(scope, extra));
  return response;
}

async function collect(agent: ChatAgent, scope?: RequestContext): Promise<AgentStreamEvent[]> {
  const events = await lastValueFrom(serve(agent).stream(call(scope)).pipe(toArray()));
  return events.map((e) => e.event);
}

/** A backend that never answers and ignores its abort signal (the worst case the timeout must still bound). */
const deafBackend: ModelBackend = {
  modelName: 'deaf',
  generate: () => new Promise(() => undefined),
  stream: (_request: ModelRequest) => ({
    [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => undefined) }),
  }),
};

describe(AgentService.name, () => {
  it('should answer 404 for an unknown model before any stream starts', () => {
    const service = serve(new ChatAgent({ model: new ScriptedModel() }));
    expect(() => service.stream({ model: 'nope', messages: user })).toThrow(ApiError);
  });

  it("should leave no listener on the caller's signal after many runs of n choices", async () => {
    const agent = new ChatAgent({ model: new ScriptedModel() });
    const client = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 5; i++) {
        const responses = await serve(agent).run(call(new RequestContext(`r${i}`), { n: 16, signal: client.signal }));
        expect(responses).toHaveLength(16);
      }
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });

  it('should report usage, first token and client tool calls of a run to the request context', async () => {
    const agent = new ChatAgent({
      model: new ScriptedModel({ replies: [{ content: '', toolCalls: [{ name: 'get_time', arguments: {} }] }] }),
    });
    const context = new RequestContext('req-1');
    const reported: number[] = [];
    context.onUsage((usage) => reported.push(usage.totalTokens));
    const response = await run(agent, context);
    expect(context.usage).toEqual(response.usage);
    expect(reported).toEqual([response.usage.totalTokens]);
    expect(context.firstTokenAt).toBeDefined();
    expect(context.toolCalls).toEqual([{ name: 'get_time', executor: 'client' }]);
  });

  it("should report the agent's own tool calls, streamed or not", async () => {
    const lookup = new FunctionTool({ name: 'lookup', parameters: { type: 'object' }, execute: () => 'found' });
    const replies = (request: ModelRequest) =>
      request.messages.some((m) => m.role === 'tool') ? 'done' : { toolCalls: [{ name: 'lookup', arguments: {} }] };
    const agent = new ChatAgent({ model: new ScriptedModel({ replies }), tools: [lookup] });
    const plain = new RequestContext('req-tools-1');
    await run(agent, plain);
    expect(plain.toolCalls).toEqual([{ name: 'lookup', executor: 'agent' }]);
    const streamed = new RequestContext('req-tools-2');
    await collect(agent, streamed);
    expect(streamed.toolCalls).toEqual([{ name: 'lookup', executor: 'agent' }]);
  });

  it('should announce an open stream once, at its first event, and add up streamed usage', async () => {
    const agent = new ChatAgent({ model: new ScriptedModel() });
    const context = new RequestContext('req-2');
    let opened = 0;
    context.onStreamOpen(() => opened++);
    const events = await collect(agent, context);
    const finish = events.at(-1);
    expect(finish?.type).toBe('finish');
    expect(opened).toBe(1);
    expect(context.usage).toEqual(finish?.type === 'finish' ? finish.usage : undefined);
  });

  it("should answer 504 when the request's timeout fires, even from a backend that ignores its signal", async () => {
    const agent = new ChatAgent({ model: deafBackend });
    const context = new RequestContext('req-3', 50);
    await expect(run(agent, context)).rejects.toMatchObject({
      status: 504,
      code: 'timeout',
    });
    const streamContext = new RequestContext('req-4', 50);
    await expect(collect(agent, streamContext)).rejects.toBeInstanceOf(ApiError);
    // The server's own abort is not an upstream failure.
    expect(context.upstreamErrors).toBe(0);
  });

  it('should count a backend failure as an upstream error, but not a client that went away', async () => {
    const failing = new ChatAgent({ model: new ScriptedModel({ replies: [{ error: new Error('boom') }] }) });
    const context = new RequestContext('req-5');
    await expect(run(failing, context)).rejects.toThrow('boom');
    expect(context.upstreamErrors).toBe(1);

    const slow = new ChatAgent({ model: new ScriptedModel({ tokenDelayMs: 1_000 }) });
    const left = new RequestContext('req-6');
    const client = new AbortController();
    const running = run(slow, left, { signal: client.signal });
    client.abort();
    await expect(running).rejects.toThrow();
    expect(left.upstreamErrors).toBe(0);
  });
});
