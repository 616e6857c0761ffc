import type { Redis } from 'ioredis';
import { withTimeout } from '../common/async/with-timeout';
import type { RateLimitStore } from '../rate-limit/rate-limit.store';

/** A slow Redis must not hold requests up: past this the guard lets the request through (and logs). */
const COMMAND_TIMEOUT_MS = 1_000;

// One round trip, atomic across replicas: add, start the window if new, report total and time left.
const INCREMENT = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return { total, ttl }
`;

/** Rate-limit counters in Redis, shared by all replicas. */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async increment(key: string, amount: number, windowMs: number): Promise<{ total: number; resetMs: number }> {
    const [total, resetMs] = (await withTimeout(
      this.redis.eval(INCREMENT, 1, `${this.keyPrefix}rate:${key}`, amount, windowMs),
      COMMAND_TIMEOUT_MS,
      'Redis did not answer in time',
    )) as [number, number];
    return { total, resetMs };
  }
}
