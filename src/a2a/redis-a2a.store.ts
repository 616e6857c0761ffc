import type { Redis } from 'ioredis';
import type { A2aStore } from './a2a-store';

/**
 * A2A tasks and contexts in Redis, so a task created on one replica is answered by any other and a context continues
 * wherever its next message lands (its messages are in the Responses store, in Redis too). A task is one JSON
 * string; a context is the id of its latest response.
 */
export class RedisA2aStore implements A2aStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async getTask(key: string): Promise<unknown> {
    const value = await this.redis.get(this.taskKey(key));
    return value === null ? undefined : JSON.parse(value);
  }

  async saveTask(key: string, record: unknown, ttlMs: number): Promise<void> {
    await this.redis.set(this.taskKey(key), JSON.stringify(record), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async conversationOf(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.contextKey(key))) ?? undefined;
  }

  async setConversation(key: string, conversationId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.contextKey(key), conversationId, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  private taskKey(key: string): string {
    return `${this.keyPrefix}a2a:task:${key}`;
  }

  private contextKey(key: string): string {
    return `${this.keyPrefix}a2a:conversation:${key}`;
  }
}
