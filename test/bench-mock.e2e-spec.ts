import type { Server } from 'node:http';
import OpenAI from 'openai';
import { startMockUpstream } from '../bench/mock-upstream';
import { OpenAICompatibleModel } from '../src/core/backends/openai-compatible.model';
import type { ModelStreamEvent } from '../src/core/types';

// The bench's numbers only mean something if its mock upstream speaks the real wire format: checked here with the
// official client and with our own backend on its default (keep-alive undici) fetch. No timings.
describe('bench mock upstream', () => {
  let server: Server;
  let baseURL: string;
  let client: OpenAI;

  beforeAll(async () => {
    ({ server, baseURL } = await startMockUpstream());
    client = new OpenAI({ baseURL, apiKey: 'bench', maxRetries: 0 });
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers a chat.completion with real usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'mock-k5',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('mock-k5');
    expect(completion.choices[0].message).toMatchObject({
      role: 'assistant',
      content: 'lorem lorem lorem lorem lorem',
    });
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBe(5);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('streams K chunks with one id, a role chunk first, finish, usage and [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'mock-k4-p5',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
    }
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const content = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? '')).join('');
    expect(content).toBe(' lorem lorem lorem lorem');
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish.map((c) => c.choices[0].finish_reason)).toEqual(['stop']);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ completion_tokens: 4 });
  });

  it('streams without a usage chunk unless asked', async () => {
    const response = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-k2', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames[frames.length - 1]).toBe('data: [DONE]');
    expect(frames).toHaveLength(1 + 2 + 1 + 1);
    expect(text).not.toContain('"usage"');
  });

  it('is read by OpenAICompatibleModel on its default fetch', async () => {
    const model = new OpenAICompatibleModel({ model: 'mock-k3', baseURL, apiKey: 'bench' });
    const events: ModelStreamEvent[] = [];
    for await (const event of model.stream({ messages: [{ role: 'user', content: 'hi' }] })) {
      events.push(event);
    }
    expect(events.filter((e) => e.type === 'text')).toHaveLength(3);
    expect(events[events.length - 1]).toMatchObject({
      type: 'finish',
      finishReason: 'stop',
      usage: { completionTokens: 3 },
    });
    const result = await model.generate({ messages: [{ role: 'user', content: 'hi' }] });
    expect(result).toMatchObject({ content: 'lorem lorem lorem', finishReason: 'stop' });
  });
});
