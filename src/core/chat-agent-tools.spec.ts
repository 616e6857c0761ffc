import { z } from 'zod';
import { ScriptedModel } from './backends/scripted.model';
import { ChatAgent, type AgentStreamEvent } from './chat-agent';
import { FunctionTool } from './tools/function-tool';
import { InMemoryToolTurnStore } from './tools/in-memory-tool-turn-store';
import type { ChatMessage, ModelRequest } from './types';

const weather = (execute: (args: { city: string }) => unknown = ({ city }) => `${city}: 21C`) =>
  new FunctionTool({
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: z.object({ city: z.string() }),
    execute,
  });

const ask = (text: string): ChatMessage[] => [{ role: 'user', content: text }];

/** Replies with the tool results the model received, so tests can see what came back. */
const lastToolContents = (request: ModelRequest) =>
  request.messages.filter((m) => m.role === 'tool').map((m) => m.content as string);

async function collect(events: AsyncIterable<AgentStreamEvent>): Promise<AgentStreamEvent[]> {
  const out: AgentStreamEvent[] = [];
  for await (const event of events) {
    out.push(event);
  }
  return out;
}

describe(`${ChatAgent.name} tools`, () => {
  it('should run its own tool, feed the result back and answer, never returning the call', async () => {
    const model = new ScriptedModel({
      replies: (request, index) =>
        index === 0
          ? { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }
          : `It is ${lastToolContents(request).join()}`,
    });
    const agent = new ChatAgent({ systemMessage: 'SYS', model, tools: [weather()] });
    const response = await agent.run(ask('weather in Paris?'));
    expect(response.message).toEqual({ role: 'assistant', content: 'It is Paris: 21C' });
    expect(response.agentToolCalls).toEqual([
      { id: expect.stringMatching(/^call_/) as string, name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    expect(response.finishReason).toBe('stop');
    expect(model.requests).toHaveLength(2);
    expect(model.requests[0].tools?.map((t) => t.name)).toEqual(['get_weather']);
    const second = model.requests[1].messages;
    expect(second.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(second[3].toolCallId).toBe(second[2].toolCalls?.[0].id);
    // Its completed tool turn, as the model saw it, for servers that keep the conversation.
    expect(response.agentMessages).toEqual(second.slice(2));
  });

  it('should leave a mixed turn out of agentMessages: it waits in the tool-turn store', async () => {
    const model = new ScriptedModel({
      replies: [
        { toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] },
        {
          toolCalls: [
            { name: 'get_weather', arguments: { city: 'Oslo' } },
            { name: 'ask_user', arguments: {} },
          ],
        },
      ],
    });
    const agent = new ChatAgent({ model, tools: [weather()] });
    const response = await agent.run(ask('weather?'), {
      tools: [{ name: 'ask_user', parameters: { type: 'object' } }],
    });
    expect(response.message.toolCalls?.map((c) => c.name)).toEqual(['ask_user']);
    expect(response.agentToolCalls?.map((c) => JSON.parse(c.arguments) as unknown)).toEqual([
      { city: 'Rome' },
      { city: 'Oslo' },
    ]);
    expect(response.agentMessages?.map((m) => [m.role, m.content])).toEqual([
      ['assistant', null],
      ['tool', 'Rome: 21C'],
    ]);
  });

  it('should sum the usage of every model call', async () => {
    const model = new ScriptedModel({
      replies: [{ toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] }, 'done'],
    });
    const agent = new ChatAgent({ model, tools: [weather()] });
    const response = await agent.run(ask('weather?'));
    const single = await new ChatAgent({ model: new ScriptedModel({ replies: ['done'] }) }).run(ask('weather?'));
    expect(response.usage.promptTokens).toBeGreaterThan(single.usage.promptTokens);
    expect(response.usage.completionTokens).toBeGreaterThan(single.usage.completionTokens);
    expect(response.usage.totalTokens).toBe(response.usage.promptTokens + response.usage.completionTokens);
  });

  it('should stop at maxIterations with a clear message and no call', async () => {
    const model = new ScriptedModel({ replies: [{ toolCalls: [{ name: 'get_weather', arguments: { city: 'X' } }] }] });
    const execute = jest.fn(() => 'sunny');
    const agent = new ChatAgent({ model, tools: [weather(execute)], maxIterations: 3 });
    const response = await agent.run(ask('loop forever'));
    expect(model.requests).toHaveLength(3);
    expect(execute).toHaveBeenCalledTimes(2);
    expect(response.finishReason).toBe('stop');
    expect(response.iterationLimitReached).toBe(true);
    expect(response.message.toolCalls).toBeUndefined();
    expect(response.message.content).toContain('limit of 3 model calls');
  });

  it('should still complete a mixed turn on the last allowed model call', async () => {
    const model = new ScriptedModel({
      replies: [
        {
          toolCalls: [
            { name: 'get_weather', arguments: { city: 'X' } },
            { name: 'client_x', arguments: {} },
          ],
        },
      ],
    });
    const execute = jest.fn(() => 'sunny');
    const agent = new ChatAgent({ model, tools: [weather(execute)], maxIterations: 1 });
    const response = await agent.run(ask('x'), { tools: [{ name: 'client_x' }] });
    expect(response.finishReason).toBe('tool_calls');
    expect(response.message.toolCalls?.map((c) => c.name)).toEqual(['client_x']);
    expect(execute).toHaveBeenCalledTimes(1);
    expect(response.iterationLimitReached).toBeUndefined();
  });

  it('should give the model an error result when a tool throws, times out or gets bad arguments', async () => {
    const failing = new FunctionTool({
      name: 'fails',
      execute: () => {
        throw new Error('disk full');
      },
    });
    const slow = new FunctionTool({ name: 'slow', timeoutMs: 10, execute: () => new Promise(() => undefined) });
    const model = new ScriptedModel({
      replies: (request, index) =>
        index === 0
          ? {
              toolCalls: [
                { name: 'fails', arguments: {} },
                { name: 'slow', arguments: {} },
                { name: 'get_weather', arguments: { town: 'Oslo' } },
              ],
            }
          : lastToolContents(request).join('|'),
    });
    const agent = new ChatAgent({ model, tools: [failing, slow, weather()] });
    const response = await agent.run(ask('go'));
    const [failed, timedOut, invalid] = (response.message.content as string)
      .split('|')
      .map((c) => JSON.parse(c) as { error: string });
    expect(failed).toEqual({ error: "'fails' failed: disk full" });
    expect(timedOut).toEqual({ error: "'slow' timed out after 10 ms." });
    expect(invalid.error).toContain("Invalid arguments for 'get_weather'");
  });

  it('should run parallel calls concurrently', async () => {
    // Each call waits until both have started: run one after the other, this would never finish.
    let arrived = 0;
    let release!: () => void;
    const bothStarted = new Promise<void>((resolve) => (release = resolve));
    const barrier = new FunctionTool({
      name: 'barrier',
      parameters: z.object({ n: z.number() }),
      execute: async ({ n }) => {
        if (++arrived === 2) {
          release();
        }
        await bothStarted;
        return `done ${n}`;
      },
    });
    const model = new ScriptedModel({
      replies: (request, index) =>
        index === 0
          ? {
              toolCalls: [
                { name: 'barrier', arguments: { n: 1 } },
                { name: 'barrier', arguments: { n: 2 } },
              ],
            }
          : lastToolContents(request).join(','),
    });
    const response = await new ChatAgent({ model, tools: [barrier] }).run(ask('both'));
    expect(response.message.content).toBe('done 1,done 2');
  });

  it('should return client tool calls to the caller without running anything', async () => {
    const model = new ScriptedModel({
      replies: [{ toolCalls: [{ id: 'call_upstream', name: 'client_search', arguments: { q: 'x' } }] }],
    });
    const agent = new ChatAgent({ model });
    const response = await agent.run(ask('search'), {
      tools: [{ name: 'client_search', parameters: { type: 'object' } }],
    });
    expect(response.finishReason).toBe('tool_calls');
    expect(response.message).toEqual({
      role: 'assistant',
      content: null,
      toolCalls: [{ id: 'call_upstream', name: 'client_search', arguments: '{"q":"x"}' }],
    });
    expect(model.requests).toHaveLength(1);
  });

  it('should run its own half of a mixed turn, return the client half, and restore the whole turn later', async () => {
    const model = new ScriptedModel({
      replies: (request, index) => {
        if (index === 0) {
          return {
            toolCalls: [
              { name: 'client_search', arguments: { q: 'news' } },
              { name: 'get_weather', arguments: { city: 'Lima' } },
            ],
          };
        }
        return `final: ${lastToolContents(request).join(' + ')}`;
      },
    });
    const agent = new ChatAgent({ model, tools: [weather()] });
    const clientTools = [{ name: 'client_search', parameters: { type: 'object' } }];
    const first = await agent.run(ask('news and weather'), { tools: clientTools });
    expect(first.finishReason).toBe('tool_calls');
    expect(first.message.toolCalls?.map((c) => c.name)).toEqual(['client_search']);
    const clientCall = first.message.toolCalls![0];
    expect(clientCall.id).toMatch(/^call_[A-Za-z0-9_-]{16}$/);

    const second = await agent.run(
      [...ask('news and weather'), first.message, { role: 'tool', toolCallId: clientCall.id, content: 'headline' }],
      { tools: clientTools },
    );
    expect(second.message.content).toBe('final: headline + Lima: 21C');
    const seen = model.requests[1].messages;
    expect(seen.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
    const calls = seen[1].toolCalls!;
    expect(calls.map((c) => c.name)).toEqual(['client_search', 'get_weather']);
    expect(seen[2]).toEqual({ role: 'tool', toolCallId: calls[0].id, content: 'headline' });
    expect(seen[3]).toEqual({ role: 'tool', toolCallId: calls[1].id, content: 'Lima: 21C' });
  });

  it('should hand at most one call on with parallelToolCalls false', async () => {
    const model = new ScriptedModel({
      replies: [
        {
          toolCalls: [
            { name: 'a', arguments: {} },
            { name: 'b', arguments: {} },
          ],
        },
      ],
    });
    const tools = [{ name: 'a' }, { name: 'b' }];
    const agent = new ChatAgent({ model });
    const response = await agent.run(ask('x'), { tools, parallelToolCalls: false });
    expect(response.message.toolCalls?.map((c) => c.name)).toEqual(['a']);
    expect(model.requests[0].parallelToolCalls).toBe(false);
    const events = await collect(agent.runStream(ask('x'), { tools, parallelToolCalls: false }));
    const indexes = new Set(events.flatMap((e) => (e.type === 'tool-call' ? [e.index] : [])));
    expect([...indexes]).toEqual([0]);
  });

  it('should pass tool_choice none on and let no call through even if the backend ignores it', async () => {
    const model = new ScriptedModel({ replies: [{ content: 'text', toolCalls: [{ name: 'a', arguments: {} }] }] });
    const response = await new ChatAgent({ model }).run(ask('x'), { tools: [{ name: 'a' }], toolChoice: 'none' });
    expect(model.requests[0].toolChoice).toBe('none');
    expect(response.message).toEqual({ role: 'assistant', content: 'text' });
    expect(response.finishReason).toBe('stop');
  });

  it('should force a tool only on the first model call, then let the model answer', async () => {
    const model = new ScriptedModel({
      replies: [{ toolCalls: [{ name: 'get_weather', arguments: { city: 'Bern' } }] }, 'answer'],
    });
    const agent = new ChatAgent({ model, tools: [weather()] });
    await agent.run(ask('x'), { toolChoice: 'required' });
    expect(model.requests.map((r) => r.toolChoice)).toEqual(['required', 'auto']);
  });

  it('should stream text, announce tool runs, and stream only the client calls with dense indexes', async () => {
    const model = new ScriptedModel({
      replies: (_request, index) =>
        index === 0
          ? {
              content: 'Checking.',
              toolCalls: [
                { name: 'get_weather', arguments: { city: 'Kyiv' } },
                { name: 'client_a', arguments: { x: 1 } },
                { name: 'client_b', arguments: { y: 2 } },
              ],
            }
          : 'unused',
    });
    const agent = new ChatAgent({ model, tools: [weather()] });
    const events = await collect(agent.runStream(ask('go'), { tools: [{ name: 'client_a' }, { name: 'client_b' }] }));
    const text = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
    expect(text).toBe('Checking.');
    const runs = events.filter((e) => e.type === 'tool-run');
    expect(runs.map((e) => e.phase)).toEqual(['start', 'end']);
    const deltas = events.filter((e) => e.type === 'tool-call');
    const firsts = deltas.filter((d) => d.name);
    expect(firsts.map((d) => [d.index, d.name])).toEqual([
      [0, 'client_a'],
      [1, 'client_b'],
    ]);
    expect(firsts.every((d) => d.id?.startsWith('call_'))).toBe(true);
    const argsOf = (i: number) =>
      deltas
        .filter((d) => d.index === i)
        .map((d) => d.arguments ?? '')
        .join('');
    expect(argsOf(0)).toBe('{"x":1}');
    expect(argsOf(1)).toBe('{"y":2}');
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool_calls' });
    expect(model.requests).toHaveLength(1);
  });

  it('should stream the text of every model call, joined by a paragraph break', async () => {
    const model = new ScriptedModel({
      replies: [
        { content: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] },
        'Cold.',
      ],
    });
    const agent = new ChatAgent({ model, tools: [weather()] });
    const events = await collect(agent.runStream(ask('go')));
    const streamed = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
    expect(streamed).toBe('Let me check.\n\nCold.');
    const plain = await new ChatAgent({
      model: new ScriptedModel({
        replies: [
          { content: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] },
          'Cold.',
        ],
      }),
      tools: [weather()],
    }).run(ask('go'));
    expect(plain.message.content).toBe(streamed);
  });

  it('should stop when the caller aborts during a tool run: the tool sees the abort, no further model call', async () => {
    const abort = new AbortController();
    let toolSignal: AbortSignal | undefined;
    const blocking = new FunctionTool({
      name: 'blocking',
      timeoutMs: 0,
      execute: (_args, { signal }) => {
        toolSignal = signal;
        abort.abort();
        return new Promise(() => undefined);
      },
    });
    const model = new ScriptedModel({ replies: [{ toolCalls: [{ name: 'blocking', arguments: {} }] }, 'never'] });
    const agent = new ChatAgent({ model, tools: [blocking] });
    await expect(agent.run(ask('go'), { signal: abort.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(toolSignal?.aborted).toBe(true);
    expect(model.requests).toHaveLength(1);
  });

  it('should share its turn store with clones and accept a store of the caller', async () => {
    const store = new InMemoryToolTurnStore();
    const model = new ScriptedModel({
      replies: [
        {
          toolCalls: [
            { name: 'get_weather', arguments: { city: 'Quito' } },
            { name: 'client_x', arguments: {} },
          ],
        },
      ],
    });
    const agent = new ChatAgent({ model, tools: [weather()], toolTurnStore: store });
    const response = await agent.run(ask('x'), { tools: [{ name: 'client_x' }] });
    const id = response.message.toolCalls![0].id;
    await expect(store.get(id)).resolves.toMatchObject({ clientCallIds: [id] });
  });
});
