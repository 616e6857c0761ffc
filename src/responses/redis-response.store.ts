import type { Redis } from 'ioredis';
import type { ResponseStore, StoredResponse } from './response-store';

/** Responses in Redis, so any replica can retrieve or continue any conversation; each key expires after `ttlMs`. */
export class RedisResponseStore implements ResponseStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlMs: number,
  ) {}

  async save(stored: StoredResponse): Promise<void> {
    await this.redis.set(this.key(stored.response.id), JSON.stringify(stored), 'PX', Math.max(1, this.ttlMs));
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    const value = await this.redis.get(this.key(id));
    return value === null ? undefined : (JSON.parse(value) as StoredResponse);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.redis.del(this.key(id))) > 0;
  }

  private key(id: string): string {
    return `${this.keyPrefix}response:${id}`;
  }
}
