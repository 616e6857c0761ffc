import type { Redis } from 'ioredis';
import type { ChatMessage } from '../core/types';
import { type A2aStore, MAX_CONTEXT_MESSAGES } from './a2a-store';

/**
 * A2A tasks and contexts in Redis, so a task created on one replica is answered by any other and a context continues
 * wherever its next message lands. A task is one JSON string; a context is a list with one JSON message per entry,
 * appended atomically (two turns of one context racing each other both land).
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

  async history(key: string): Promise<ChatMessage[]> {
    const entries = await this.redis.lrange(this.contextKey(key), 0, -1);
    return entries.map((entry) => JSON.parse(entry) as ChatMessage);
  }

  async append(key: string, messages: ChatMessage[], ttlMs: number): Promise<void> {
    if (messages.length === 0) {
      return;
    }
    const redisKey = this.contextKey(key);
    await this.redis
      .multi()
      .rpush(redisKey, ...messages.map((message) => JSON.stringify(message)))
      .ltrim(redisKey, -MAX_CONTEXT_MESSAGES, -1)
      .pexpire(redisKey, Math.max(1, Math.round(ttlMs)))
      .exec();
  }

  private taskKey(key: string): string {
    return `${this.keyPrefix}a2a:task:${key}`;
  }

  private contextKey(key: string): string {
    return `${this.keyPrefix}a2a:context:${key}`;
  }
}
