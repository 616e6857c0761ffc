import type { WireResponse } from '../openai/responses.types';
import { InMemoryResponseStore } from './in-memory-response.store';
import type { StoredResponse } from './response-store';

const stored = (id: string, text = ''): StoredResponse => ({
  response: { id } as WireResponse,
  inputItems: [],
  messages: [{ role: 'user', content: text }],
});

describe(InMemoryResponseStore.name, () => {
  it('should keep, return a copy of, and delete a response', async () => {
    const store = new InMemoryResponseStore({ ttlMs: 60_000 });
    const original = stored('resp_1', 'hello');
    await store.save(original);
    original.messages.push({ role: 'user', content: 'changed later' });
    expect(await store.get('resp_1')).toEqual(stored('resp_1', 'hello'));
    expect(await store.delete('resp_1')).toBe(true);
    expect(await store.delete('resp_1')).toBe(false);
    expect(await store.get('resp_1')).toBeUndefined();
  });

  it('should drop the oldest responses past its count', async () => {
    const store = new InMemoryResponseStore({ ttlMs: 60_000, maxEntries: 2 });
    for (const id of ['a', 'b', 'c']) {
      await store.save(stored(id));
    }
    expect(store.size).toBe(2);
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('c')).toBeDefined();
  });

  it('should drop the oldest responses past its bytes, and never keep one larger than the whole store', async () => {
    const size = JSON.stringify(stored('a', 'x'.repeat(100))).length;
    const store = new InMemoryResponseStore({ ttlMs: 60_000, maxBytes: size * 2 + 10 });
    for (const id of ['a', 'b', 'c']) {
      await store.save(stored(id, 'x'.repeat(100)));
    }
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('b')).toBeDefined();
    await store.save(stored('huge', 'x'.repeat(size * 3)));
    expect(await store.get('huge')).toBeUndefined();
    expect(await store.get('c')).toBeDefined();
  });

  it('should forget responses once their time is up', async () => {
    const store = new InMemoryResponseStore({ ttlMs: 5 });
    await store.save(stored('a'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.get('a')).toBeUndefined();
    expect(store.size).toBe(0);
  });
});
