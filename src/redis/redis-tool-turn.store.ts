import type { Redis } from 'ioredis';
import type { ToolTurn, ToolTurnStore } from '../core/tools/tool-turn-store';

/**
 * Mixed tool turns in Redis, so the client's follow-up with its tool results may reach any replica. One key per
 * client call id, each holding the whole turn, all expiring together.
 */
export class RedisToolTurnStore implements ToolTurnStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async save(turn: ToolTurn, ttlMs: number): Promise<void> {
    if (turn.clientCallIds.length === 0) {
      return;
    }
    const value = JSON.stringify(turn);
    const multi = this.redis.multi();
    for (const id of turn.clientCallIds) {
      multi.set(this.key(id), value, 'PX', Math.max(1, Math.round(ttlMs)));
    }
    await multi.exec();
  }

  async get(callId: string): Promise<ToolTurn | undefined> {
    const value = await this.redis.get(this.key(callId));
    return value === null ? undefined : (JSON.parse(value) as ToolTurn);
  }

  async delete(callIds: string[]): Promise<void> {
    if (callIds.length > 0) {
      await this.redis.del(...callIds.map((id) => this.key(id)));
    }
  }

  private key(callId: string): string {
    return `${this.keyPrefix}tool-turn:${callId}`;
  }
}
