import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AgentService } from '../agent/agent.service';
import type { AllConfig, ServerConfig } from '../config/app.config';
import { ResponsesService } from '../responses/responses.service';
import type * as Handlers from './a2a-handlers';
import type { A2aHandlers, A2aReply, A2aRequest } from './a2a-handlers';
import { A2A_STORE, type A2aStore } from './a2a-store';

export type { A2aReply, A2aRequest } from './a2a-handlers';

/**
 * The A2A door as the controllers see it. Its handlers, and the SDK under them (with the jose it pulls in), are
 * loaded and built on the first A2A request or agent card: a server nobody asks over A2A never loads them. A failure
 * to load them is that request's error (the A2A filter's 500), not a crash at start.
 */
@Injectable()
export class A2aService {
  private handlers?: A2aHandlers;

  constructor(
    private readonly agents: AgentService,
    private readonly conversations: ResponsesService,
    @Inject(A2A_STORE) private readonly store: A2aStore,
    private readonly config: ConfigService<AllConfig, true>,
  ) {}

  /** The card of `agentId` (default: the first served agent), in the form the client's version reads. */
  card(agentId: string | undefined, baseUrl: string, versionHeader: string | undefined): unknown {
    return this.door().card(agentId, baseUrl, versionHeader);
  }

  call(request: A2aRequest): Promise<A2aReply> {
    return this.door().call(request);
  }

  private door(): A2aHandlers {
    if (!this.handlers) {
      const server = this.config.get<ServerConfig>('server');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { A2aHandlers } = require('./a2a-handlers') as typeof Handlers;
      this.handlers = new A2aHandlers({
        agents: this.agents,
        conversations: this.conversations,
        store: this.store,
        keysOn: server.apiKeys.length > 0,
        timeoutMs: server.requestTimeoutMs,
      });
    }
    return this.handlers;
  }
}
