import { ScriptedModel } from '../core/backends/scripted.model';
import { ChatAgent, type AgentStreamEvent } from '../core/chat-agent';
import { ApiError } from '../core/errors';
import type { ModelBackend } from '../core/model-backend';
import { FunctionTool } from '../core/tools/function-tool';
import type { ModelRequest } from '../core/types';
import { RequestContext } from './request-context';
import { withRequestScope } from './request-scope';

const user = [{ role: 'user' as const, content: 'hello there' }];

async function collect(events: AsyncIterable<AgentStreamEvent>): Promise<AgentStreamEvent[]> {
  const all: AgentStreamEvent[] = [];
  for await (const event of events) {
    all.push(event);
  }
  return all;
}

/** A backend that never answers and ignores its abort signal (the worst case the timeout must still bound). */
const deafBackend: ModelBackend = {
  modelName: 'deaf',
  generate: () => new Promise(() => undefined),
  stream: (_request: ModelRequest) => ({
    [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => undefined) }),
  }),
};

describe(withRequestScope.name, () => {
  it('should return the agent itself without a request context', () => {
    const agent = new ChatAgent({ model: new ScriptedModel() });
    expect(withRequestScope(agent, undefined)).toBe(agent);
  });

  it('should report usage, first token and client tool calls of a run to the request context', async () => {
    const agent = new ChatAgent({
      model: new ScriptedModel({ replies: [{ content: '', toolCalls: [{ name: 'get_time', arguments: {} }] }] }),
    });
    const context = new RequestContext('req-1');
    const reported: number[] = [];
    context.onUsage((usage) => reported.push(usage.totalTokens));
    const response = await withRequestScope(agent, context).run(user);
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
    await withRequestScope(agent, plain).run(user);
    expect(plain.toolCalls).toEqual([{ name: 'lookup', executor: 'agent' }]);
    const streamed = new RequestContext('req-tools-2');
    await collect(withRequestScope(agent, streamed).runStream(user));
    expect(streamed.toolCalls).toEqual([{ name: 'lookup', executor: 'agent' }]);
  });

  it('should announce an open stream once, at its first event, and add up streamed usage', async () => {
    const agent = new ChatAgent({ model: new ScriptedModel() });
    const context = new RequestContext('req-2');
    let opened = 0;
    context.onStreamOpen(() => opened++);
    const events = await collect(withRequestScope(agent, context).runStream(user));
    const finish = events.at(-1);
    expect(finish?.type).toBe('finish');
    expect(opened).toBe(1);
    expect(context.usage).toEqual(finish?.type === 'finish' ? finish.usage : undefined);
  });

  it("should answer 504 when the request's timeout fires, even from a backend that ignores its signal", async () => {
    const agent = new ChatAgent({ model: deafBackend });
    const context = new RequestContext('req-3', 50);
    await expect(withRequestScope(agent, context).run(user)).rejects.toMatchObject({
      status: 504,
      code: 'timeout',
    });
    const streamContext = new RequestContext('req-4', 50);
    await expect(collect(withRequestScope(agent, streamContext).runStream(user))).rejects.toBeInstanceOf(ApiError);
    // The server's own abort is not an upstream failure.
    expect(context.upstreamErrors).toBe(0);
  });

  it('should count a backend failure as an upstream error, but not a client that went away', async () => {
    const failing = new ChatAgent({ model: new ScriptedModel({ replies: [{ error: new Error('boom') }] }) });
    const context = new RequestContext('req-5');
    await expect(withRequestScope(failing, context).run(user)).rejects.toThrow('boom');
    expect(context.upstreamErrors).toBe(1);

    const slow = new ChatAgent({ model: new ScriptedModel({ tokenDelayMs: 1_000 }) });
    const left = new RequestContext('req-6');
    const client = new AbortController();
    const run = withRequestScope(slow, left).run(user, { signal: client.signal });
    client.abort();
    await expect(run).rejects.toThrow();
    expect(left.upstreamErrors).toBe(0);
  });
});
