import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { SERVED_AGENTS, type ServedAgents } from '../agent/served-agents';
import { InMemoryToolTurnStore } from '../core/tools/in-memory-tool-turn-store';
import type { ToolTurnStore } from '../core/tools/tool-turn-store';
import { RedisToolTurnStore } from './redis-tool-turn.store';
import { RedisService } from './redis.service';

/** DI token of the app's `ToolTurnStore`: Redis when `REDIS_URL` is set (any replica can finish a turn), memory otherwise. */
export const TOOL_TURN_STORE = Symbol('TOOL_TURN_STORE');

/** Hands the app's store to every served agent built without one of its own. */
@Injectable()
class ToolTurnStoreBinder implements OnModuleInit {
  constructor(
    @Inject(TOOL_TURN_STORE) private readonly store: ToolTurnStore,
    @Inject(SERVED_AGENTS) private readonly agents: ServedAgents,
  ) {}

  onModuleInit(): void {
    for (const agent of this.agents.values()) {
      agent.useDefaultToolTurnStore(this.store);
    }
  }
}

@Module({
  providers: [
    {
      provide: TOOL_TURN_STORE,
      inject: [RedisService],
      useFactory: (redis: RedisService): ToolTurnStore =>
        redis.client ? new RedisToolTurnStore(redis.client, redis.keyPrefix) : new InMemoryToolTurnStore(),
    },
    ToolTurnStoreBinder,
  ],
  exports: [TOOL_TURN_STORE],
})
export class ToolTurnStoreModule {}
