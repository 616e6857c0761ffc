import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RedisRateLimitStore } from '../redis/redis-rate-limit.store';
import { RedisService } from '../redis/redis.service';
import { MemoryRateLimitStore } from './memory-rate-limit.store';
import { RateLimitGuard } from './rate-limit.guard';
import { RATE_LIMIT_STORE, type RateLimitStore } from './rate-limit.store';

@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORE,
      inject: [RedisService],
      // Redis when configured, so every replica counts against the same limit; this process's memory otherwise.
      useFactory: (redis: RedisService): RateLimitStore =>
        redis.client ? new RedisRateLimitStore(redis.client, redis.keyPrefix) : new MemoryRateLimitStore(),
    },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class RateLimitModule {}
