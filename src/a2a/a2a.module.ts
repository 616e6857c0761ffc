import { Module } from '@nestjs/common';
import { RedisService } from '../redis/redis.service';
import { ResponsesModule } from '../responses/responses.module';
import { A2A_STORE, type A2aStore, InMemoryA2aStore } from './a2a-store';
import { A2aCardController, A2aController } from './a2a.controller';
import { A2aService } from './a2a.service';
import { RedisA2aStore } from './redis-a2a.store';

/**
 * The Agent2Agent (A2A) door: agent cards and JSON-RPC (A2A 1.0 and 0.3) for every served agent. Its contexts'
 * conversations are kept in the Responses API's store, through `ResponsesService.converse`.
 */
@Module({
  imports: [ResponsesModule],
  controllers: [A2aController, A2aCardController],
  providers: [
    {
      provide: A2A_STORE,
      inject: [RedisService],
      useFactory: (redis: RedisService): A2aStore =>
        redis.client ? new RedisA2aStore(redis.client, redis.keyPrefix) : new InMemoryA2aStore(),
    },
    A2aService,
  ],
})
export class A2aModule {}
