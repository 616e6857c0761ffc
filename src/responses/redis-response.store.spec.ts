import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../../test/utils/redis-server';
import type { WireResponse } from '../openai/responses.types';
import { RedisResponseStore } from './redis-response.store';
import type { StoredResponse } from './response-store';

describe(`${RedisResponseStore.name} (against a real redis-server)`, () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
  });

  const stored: StoredResponse = {
    response: { id: 'resp_1', object: 'response' } as WireResponse,
    inputItems: [{ type: 'message', id: 'msg_1', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }],
    messages: [{ role: 'user', content: 'hi' }],
    owner: 'abc',
  };

  it('should share a response between stores on the same Redis, with its TTL, until deleted', async () => {
    const a = new RedisResponseStore(redis, 'test:', 60_000);
    const other = new Redis(server.url);
    try {
      const b = new RedisResponseStore(other, 'test:', 60_000);
      await a.save(stored);
      expect(await b.get('resp_1')).toEqual(stored);
      const ttl = await redis.pttl('test:response:resp_1');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await b.delete('resp_1')).toBe(true);
      expect(await a.get('resp_1')).toBeUndefined();
      expect(await a.delete('resp_1')).toBe(false);
    } finally {
      other.disconnect();
    }
  });

  it('should let a response expire', async () => {
    const store = new RedisResponseStore(redis, 'test:', 1);
    await store.save(stored);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.get('resp_1')).toBeUndefined();
  });
});
