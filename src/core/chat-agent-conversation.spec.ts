import { ScriptedModel } from './backends/scripted.model';
import { ChatAgent } from './chat-agent';
import type { ModelBackend } from './model-backend';
import type { ChatMessage } from './types';

describe(`${ChatAgent.name} conversation`, () => {
  it('should put the system message first and the request messages after it, in order', async () => {
    const model = new ScriptedModel({ replies: ['ok'] });
    const agent = new ChatAgent({ systemMessage: 'SYS', model });
    const history: ChatMessage[] = [
      { role: 'user', content: '1' },
      { role: 'assistant', content: '2' },
      { role: 'user', content: '3' },
    ];
    await agent.run(history);
    expect(model.requests[0].messages).toEqual([{ role: 'system', content: 'SYS' }, ...history]);
  });

  it('should not remember anything between stateless runs', async () => {
    const model = new ScriptedModel();
    const agent = new ChatAgent({ model });
    await agent.run([{ role: 'user', content: 'first' }]);
    await agent.run([{ role: 'user', content: 'second' }]);
    expect(model.requests[1].messages).toEqual([{ role: 'user', content: 'second' }]);
    expect(agent.memory.length).toBe(0);
  });

  it('should remember the conversation across step() calls, and forget on reset()', async () => {
    const model = new ScriptedModel();
    const agent = new ChatAgent({ systemMessage: 'SYS', model });
    await agent.step('hello');
    const second = await agent.step('again');
    expect(second.message.content).toBe('You said: again');
    expect(model.requests[1].messages.map((m) => `${m.role}:${m.content as string}`)).toEqual([
      'system:SYS',
      'user:hello',
      'assistant:You said: hello',
      'user:again',
    ]);
    agent.reset();
    await agent.step('fresh');
    expect(model.requests[2].messages).toHaveLength(2);
  });

  it('should remember a streamed step once it completes', async () => {
    const agent = new ChatAgent({ model: new ScriptedModel() });
    const events = [];
    for await (const event of agent.stepStream('streamed')) {
      events.push(event);
    }
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    expect(agent.memory.getMessages()).toEqual([
      { role: 'user', content: 'streamed' },
      { role: 'assistant', content: 'You said: streamed' },
    ]);
  });

  it('should clone with the same configuration and a separate memory', async () => {
    const agent = new ChatAgent({ systemMessage: 'SYS', model: new ScriptedModel(), memoryWindow: 10 });
    await agent.step('one');
    const copy = agent.clone();
    await copy.step('two');
    expect(agent.memory.length).toBe(2);
    expect(copy.memory.length).toBe(4);
    expect(copy.systemMessage).toBe('SYS');
  });

  it('should let request options override agent defaults and pass both to the backend', async () => {
    const model = new ScriptedModel({ replies: ['ok'] });
    const agent = new ChatAgent({ model, temperature: 0.2, maxTokens: 100, topP: 0.5 });
    await agent.run([{ role: 'user', content: 'x' }], { temperature: 0.9, seed: 3 });
    expect(model.requests[0]).toMatchObject({ temperature: 0.9, maxTokens: 100, topP: 0.5, seed: 3 });
  });

  it('should correct a backend that claims tool_calls without calls, and one that returns calls with stop', async () => {
    const liar = (finishReason: 'tool_calls' | 'stop', withCalls: boolean): ModelBackend => ({
      modelName: 'liar',
      generate: () =>
        Promise.resolve({
          content: withCalls ? null : 'text',
          toolCalls: withCalls ? [{ id: 'c', name: 'f', arguments: '{}' }] : [],
          finishReason,
        }),
      stream: async function* () {
        await Promise.resolve();
        yield { type: 'finish' as const, finishReason };
      },
    });
    const noCalls = await new ChatAgent({ model: liar('tool_calls', false) }).run([{ role: 'user', content: 'x' }]);
    expect(noCalls.finishReason).toBe('stop');
    const calls = await new ChatAgent({ model: liar('stop', true) }).run([{ role: 'user', content: 'x' }]);
    expect(calls.finishReason).toBe('tool_calls');
    expect(calls.message.content).toBeNull();
    expect(calls.usage.completionTokens).toBeGreaterThan(0);
  });

  it('should refuse to start when the signal is already aborted', async () => {
    const model = new ScriptedModel();
    const abort = new AbortController();
    abort.abort();
    await expect(
      new ChatAgent({ model }).run([{ role: 'user', content: 'x' }], { signal: abort.signal }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(model.requests).toHaveLength(0);
  });

  it('should resolve a model spec string through the factory', async () => {
    const agent = new ChatAgent({ model: 'scripted:fixed answer' });
    expect((await agent.step('anything')).message.content).toBe('fixed answer');
  });
});
