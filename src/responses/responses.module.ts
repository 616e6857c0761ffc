import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig, ServerConfig } from '../config/app.config';
import { RedisService } from '../redis/redis.service';
import { InMemoryResponseStore } from './in-memory-response.store';
import { RedisResponseStore } from './redis-response.store';
import { RESPONSE_STORE, type ResponseStore } from './response-store';
import { ResponsesController } from './responses.controller';
import { ResponsesService } from './responses.service';

@Module({
  controllers: [ResponsesController],
  providers: [
    ResponsesService,
    {
      // Redis when REDIS_URL is set (any replica continues any conversation), this process's memory otherwise.
      provide: RESPONSE_STORE,
      inject: [RedisService, ConfigService],
      useFactory: (redis: RedisService, config: ConfigService<AllConfig, true>): ResponseStore => {
        const ttlMs = config.get<ServerConfig>('server').responsesTtlMs;
        return redis.client
          ? new RedisResponseStore(redis.client, redis.keyPrefix, ttlMs)
          : new InMemoryResponseStore({ ttlMs });
      },
    },
  ],
  // For the doors that continue the same conversations (MCP, A2A): `ResponsesService.converse`.
  exports: [ResponsesService],
})
export class ResponsesModule {}
