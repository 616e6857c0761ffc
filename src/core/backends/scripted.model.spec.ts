import { ScriptedModel } from './scripted.model';
import type { ModelStreamEvent } from '../types';

async function collect(stream: AsyncIterable<ModelStreamEvent>): Promise<ModelStreamEvent[]> {
  const events: ModelStreamEvent[] = [];
  for await (const event of stream) {
    events.push(event);
  }
  return events;
}

const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

describe(ScriptedModel.name, () => {
  it('should echo the last user message by default, streamed token by token', async () => {
    const events = await collect(new ScriptedModel().stream(ask('hello world')));
    const texts = events.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text);
    expect(texts).toEqual(['You', ' said:', ' hello', ' world']);
    expect(events.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { promptTokens: expect.any(Number), completionTokens: 4, totalTokens: expect.any(Number) },
    });
  });

  it('should cut at maxTokens with finish_reason length', async () => {
    const result = await new ScriptedModel({ replies: ['one two three four'] }).generate({ ...ask('x'), maxTokens: 2 });
    expect(result).toMatchObject({ content: 'one two', finishReason: 'length', usage: { completionTokens: 2 } });
  });

  it('should stop before a stop sequence', async () => {
    const result = await new ScriptedModel({ replies: ['alpha beta END gamma'] }).generate({
      ...ask('x'),
      stop: ['END'],
    });
    expect(result).toMatchObject({ content: 'alpha beta ', finishReason: 'stop' });
  });

  it('should return tool calls with string arguments and finish_reason tool_calls', async () => {
    const model = new ScriptedModel({ replies: [{ toolCalls: [{ id: 'c1', name: 'f', arguments: { a: 1 } }] }] });
    const result = await model.generate(ask('x'));
    expect(result).toMatchObject({
      content: null,
      toolCalls: [{ id: 'c1', name: 'f', arguments: '{"a":1}' }],
      finishReason: 'tool_calls',
    });
  });

  it('should play replies in turn and record requests', async () => {
    const model = new ScriptedModel({ replies: ['first', 'second'] });
    expect((await model.generate(ask('a'))).content).toBe('first');
    expect((await model.generate(ask('b'))).content).toBe('second');
    expect((await model.generate(ask('c'))).content).toBe('second');
    expect(model.requests.map((r) => r.messages[0].content)).toEqual(['a', 'b', 'c']);
  });

  it('should stop streaming when the signal aborts', async () => {
    const model = new ScriptedModel({ replies: ['a b c d e f g h'], tokenDelayMs: 20 });
    const abort = new AbortController();
    const seen: ModelStreamEvent[] = [];
    await expect(
      (async () => {
        for await (const event of model.stream(ask('x'), { signal: abort.signal })) {
          seen.push(event);
          abort.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(1);
  });
});
