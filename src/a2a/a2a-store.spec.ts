import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../../test/utils/redis-server';
import { type A2aStore, InMemoryA2aStore } from './a2a-store';
import { RedisA2aStore } from './redis-a2a.store';

/** The same contract for both stores: what one saves, the other would read the same way. */
describe('A2aStore', () => {
  let server: RedisServer;
  let redis: Redis;
  let prefix = 0;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
  });

  const stores: Array<[string, () => A2aStore]> = [
    [InMemoryA2aStore.name, () => new InMemoryA2aStore()],
    [RedisA2aStore.name, () => new RedisA2aStore(redis, `test${++prefix}:`)],
  ];

  describe.each(stores)('%s', (_name, create) => {
    it('should keep a task as JSON, a copy the caller cannot change', async () => {
      const store = create();
      expect(await store.getTask('a:b:t1')).toBeUndefined();
      const record = { id: 't1', status: { state: 'TASK_STATE_WORKING' }, artifacts: [] };
      await store.saveTask('a:b:t1', record, 60_000);
      record.status.state = 'changed';
      expect(await store.getTask('a:b:t1')).toEqual({
        id: 't1',
        status: { state: 'TASK_STATE_WORKING' },
        artifacts: [],
      });
      await store.saveTask('a:b:t1', { id: 't1', done: true }, 60_000);
      expect(await store.getTask('a:b:t1')).toEqual({ id: 't1', done: true });
    });

    it('should move each context on to its latest response, each context on its own', async () => {
      const store = create();
      expect(await store.conversationOf('ctx')).toBeUndefined();
      await store.setConversation('ctx', 'resp_1', 60_000);
      await store.setConversation('ctx', 'resp_2', 60_000);
      await store.setConversation('other', 'resp_9', 60_000);
      expect(await store.conversationOf('ctx')).toBe('resp_2');
      expect(await store.conversationOf('other')).toBe('resp_9');
    });

    it('should forget tasks and contexts once their time is up', async () => {
      const store = create();
      await store.saveTask('short', { id: 'short' }, 5);
      await store.setConversation('short', 'resp_1', 5);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(await store.getTask('short')).toBeUndefined();
      expect(await store.conversationOf('short')).toBeUndefined();
    });
  });

  it('should drop the oldest entries past its size in memory', async () => {
    const store = new InMemoryA2aStore(2);
    for (const id of ['t1', 't2', 't3']) {
      await store.saveTask(id, { id }, 60_000);
    }
    expect(await store.getTask('t1')).toBeUndefined();
    expect(await store.getTask('t3')).toEqual({ id: 't3' });
  });
});
