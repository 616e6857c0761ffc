import { TaskState } from '@a2a-js/sdk';
import { Redis } from 'ioredis';
import { FakeUpstream } from './utils/fake-upstream';
import { a2aClient, answerOf, asTask, sendRequest } from './utils/a2a-client';
import { startRedisServer, type RedisServer } from './utils/redis-server';
import { spawnService, type SpawnedService } from './utils/spawn-service';

/**
 * Two replicas of the built service (`node dist/main.js`, separate processes) sharing one real Redis: A2A tasks and
 * contexts live there (a context's messages in the Responses store), so whichever replica a client reaches next
 * answers for what the other one did.
 */
describe('A2A across replicas sharing Redis (e2e)', () => {
  let redis: RedisServer;
  let upstream: FakeUpstream;
  let replicas: SpawnedService[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    upstream = new FakeUpstream();
    const baseUrl = await upstream.start();
    const env = {
      REDIS_URL: redis.url,
      API_KEYS: 'team-key',
      OPENAI_BASE_URL: baseUrl,
      OPENAI_API_KEY: 'upstream-key',
      SERVED_MODEL_NAME: 'support',
      AGENT_SYSTEM_MESSAGE: 'Internal instructions.',
      AGENT_DESCRIPTION: 'Answers support questions.',
    };
    replicas = await Promise.all([spawnService(env), spawnService(env)]);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await upstream?.stop();
    await redis?.stop();
    replicas = [];
  });

  it('should read on one replica a task created on the other, and continue its context there', async () => {
    const [first, second] = await Promise.all(replicas.map((r) => a2aClient(r.url, { key: 'team-key' })));
    const card = await second.getAgentCard();
    expect(card.skills[0].description).toBe('Answers support questions.');
    expect(card.securitySchemes.bearer?.scheme?.$case).toBe('httpAuthSecurityScheme');

    const task = asTask(await first.sendMessage(sendRequest('my order is A-1')));
    expect(answerOf(task)).toBe('echo: my order is A-1');

    const read = await second.getTask({ tenant: '', id: task.id, historyLength: undefined });
    expect(read.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(answerOf(read)).toBe('echo: my order is A-1');

    const next = asTask(await second.sendMessage(sendRequest('where is it?', task.contextId)));
    expect(next.contextId).toBe(task.contextId);
    // The second replica's model call carried the turn the first replica served.
    expect(upstream.completions.at(-1)?.body.messages).toEqual([
      { role: 'system', content: 'Internal instructions.' },
      { role: 'user', content: 'my order is A-1' },
      { role: 'assistant', content: 'echo: my order is A-1' },
      { role: 'user', content: 'where is it?' },
    ]);
    // Each turn is a stored response of the Responses API's store; the context names the latest.
    const keys = new Redis(redis.url);
    try {
      const responses = await keys.keys('chat-agent:response:resp_*');
      expect(responses).toHaveLength(2);
      const [context] = await keys.keys('chat-agent:a2a:conversation:*');
      expect(responses).toContain(`chat-agent:response:${await keys.get(context)}`);
    } finally {
      keys.disconnect();
    }
  });

  it('should stop a run on one replica when another replica cancels its task', async () => {
    upstream.responder = () => ({ content: 'word '.repeat(200), chunkDelayMs: 50 });
    const [first, second] = await Promise.all(
      replicas.map((r) => a2aClient(r.url, { key: 'team-key', polling: true })),
    );
    const calls = upstream.completions.length;
    const started = asTask(await first.sendMessage(sendRequest('write a lot')));
    expect(started.status?.state).not.toBe(TaskState.TASK_STATE_COMPLETED);
    while (upstream.completions.length === calls) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const canceled = await second.cancelTask({ tenant: '', id: started.id, metadata: undefined });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    // The first replica's run stopped: it hung up on the upstream before the answer was complete.
    expect(await upstream.completions[calls].closedEarly).toBe(true);
    const read = await first.getTask({ tenant: '', id: started.id, historyLength: undefined });
    expect(read.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
  });
});
