import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../../test/utils/redis-server';
import type { ToolTurn } from '../core/tools/tool-turn-store';
import { RedisRateLimitStore } from './redis-rate-limit.store';
import { RedisToolTurnStore } from './redis-tool-turn.store';

describe('Redis stores (against a real redis-server)', () => {
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

  describe(RedisRateLimitStore.name, () => {
    it('should count in one window that expires, shared by every store on the same Redis', async () => {
      const a = new RedisRateLimitStore(redis, 'test:');
      const other = new Redis(server.url);
      try {
        const b = new RedisRateLimitStore(other, 'test:');
        expect((await a.increment('rpm:key', 1, 60_000)).total).toBe(1);
        expect((await b.increment('rpm:key', 1, 60_000)).total).toBe(2);
        const peek = await a.increment('rpm:key', 0, 60_000);
        expect(peek.total).toBe(2);
        expect(peek.resetMs).toBeGreaterThan(0);
        expect(peek.resetMs).toBeLessThanOrEqual(60_000);
        expect(await redis.pttl('test:rate:rpm:key')).toBeGreaterThan(0);
        // A window of 1 ms is over at once: the next increment starts a new one.
        await a.increment('short', 3, 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect((await a.increment('short', 1, 60_000)).total).toBe(1);
      } finally {
        other.disconnect();
      }
    });
  });

  describe(RedisToolTurnStore.name, () => {
    const turn: ToolTurn = {
      assistant: {
        role: 'assistant',
        content: null,
        toolCalls: [
          { id: 'own_1', name: 'lookup', arguments: '{}' },
          { id: 'client_1', name: 'ask', arguments: '{}' },
          { id: 'client_2', name: 'ask', arguments: '{"x":1}' },
        ],
      },
      ownResults: [{ role: 'tool', toolCallId: 'own_1', content: 'found' }],
      clientCallIds: ['client_1', 'client_2'],
    };

    it('should find a saved turn under each client call id, forget it on delete, and expire it', async () => {
      const store = new RedisToolTurnStore(redis, 'test:');
      await store.save(turn, 60_000);
      expect(await store.get('client_1')).toEqual(turn);
      expect(await store.get('client_2')).toEqual(turn);
      expect(await store.get('own_1')).toBeUndefined();
      await store.delete(turn.clientCallIds);
      expect(await store.get('client_1')).toBeUndefined();

      await store.save(turn, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await store.get('client_2')).toBeUndefined();
    });
  });
});
