import { Controller, Param, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { keyOwner } from '../auth/key-owner';
import { abortOnClose } from '../common/http/abort-on-close';
import { sendJson } from '../common/http/send-json';
import { SseWriter } from '../common/sse/sse-writer.service';
import { requestContextOf } from '../request-context/request-context';
import { A2aCardEndpoint, A2aRpcEndpoint } from './a2a-endpoint.decorator';
import { A2aExceptionFilter } from './a2a-exception.filter';
import { a2aSse } from './a2a-sse.format';
import { A2aService } from './a2a.service';

/** JSON-RPC of every served agent, behind the API keys and limits (`/a2a/` is an API path). */
@Controller('a2a')
@UseFilters(A2aExceptionFilter)
export class A2aController {
  constructor(
    private readonly a2a: A2aService,
    private readonly sse: SseWriter,
  ) {}

  @A2aRpcEndpoint()
  async rpc(@Param('agentId') agentId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const scope = requestContextOf(req);
    const reply = await this.a2a.call({
      agentId,
      body: req.body,
      headers: req.headers,
      scope,
      keyOwner: keyOwner(req),
      disconnect: abortOnClose(res),
    });
    if ('events' in reply) {
      await this.sse.write(res, reply.events, a2aSse, scope?.id);
      return;
    }
    res.set(reply.headers);
    sendJson(res, reply.status, reply.body);
  }
}

/**
 * Agent cards, open to anyone (discovery comes before credentials): `/.well-known/agent-card.json` for the first
 * served agent, `/.well-known/agents/{agentId}/agent-card.json` for each one.
 */
@Controller('.well-known')
@UseFilters(A2aExceptionFilter)
export class A2aCardController {
  constructor(private readonly a2a: A2aService) {}

  @A2aCardEndpoint('agent-card.json', 'getAgentCard', 'Agent card of the default agent')
  defaultCard(@Req() req: Request, @Res() res: Response): void {
    this.send(req, res, undefined);
  }

  @A2aCardEndpoint('agents/:agentId/agent-card.json', 'getAgentCardOfAgent', 'Agent card of one served agent')
  agentCard(@Param('agentId') agentId: string, @Req() req: Request, @Res() res: Response): void {
    this.send(req, res, agentId);
  }

  private send(req: Request, res: Response, agentId: string | undefined): void {
    // Behind a proxy, `req.protocol` follows X-Forwarded-Proto when TRUST_PROXY allows it.
    const card = this.a2a.card(agentId, `${req.protocol}://${req.get('host')}`, req.get('a2a-version'));
    res.set({ vary: 'A2A-Version', 'cache-control': 'public, max-age=300' });
    sendJson(res, 200, card);
  }
}
