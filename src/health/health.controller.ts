import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { EnvironmentMcpTools } from '../agent/environment-mcp-tools';
import { SERVED_AGENTS, type ServedAgents } from '../agent/served-agents';
import { withTimeout } from '../common/async/with-timeout';
import { RedisService } from '../redis/redis.service';
import { RequestTracker } from '../request-context/request-tracker.service';

/** How long a readiness probe waits for a backend or Redis before calling it down. */
const PROBE_TIMEOUT_MS = 3_000;

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly healthChecks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly tracker: RequestTracker,
    private readonly redis: RedisService,
    @Inject(SERVED_AGENTS) private readonly agents: ServedAgents,
    private readonly mcp: EnvironmentMcpTools,
  ) {}

  /** Liveness: the process answers. Says nothing of the backends, so a slow model never gets the pod restarted. */
  @Get('health')
  @ApiOperation({ operationId: 'getHealth', summary: 'Liveness: the process answers' })
  @ApiOkResponse({
    description: 'The process is up.',
    schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] },
  })
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: every served agent's backend can serve, every MCP server of MCP_CONFIG answers (one that went away is
   * connected again first), Redis answers (when used), and we are not shutting down.
   */
  @Get('ready')
  @ApiOperation({ operationId: 'getReadiness', summary: 'Readiness: every backend (and Redis) can serve' })
  @ApiOkResponse({ description: 'Ready for traffic (terminus health check body).' })
  @ApiServiceUnavailableResponse({
    description: 'Not ready: a backend, an MCP server or Redis is down, or the server is draining.',
  })
  async ready(@Res() res: Response): Promise<void> {
    const checks = [
      () => this.shutdownCheck(),
      ...[...this.agents].map(
        ([id, agent]) =>
          () =>
            this.probe(`model:${id}`, () => agent.model.ready?.() ?? Promise.resolve()),
      ),
    ];
    const toolkit = this.mcp.toolkit;
    if (toolkit) {
      for (const server of toolkit.serverNames) {
        checks.push(() => this.probe(`mcp:${server}`, () => toolkit.ping(server, PROBE_TIMEOUT_MS)));
      }
    }
    if (this.redis.enabled) {
      checks.push(() => this.probe('redis', () => this.redis.ping()));
    }
    try {
      res.json(await this.healthChecks.check(checks));
    } catch (error) {
      // Terminus throws a 503 carrying its result; answer with that body rather than the API's error shape, as
      // probes and dashboards expect.
      const result = (error as { getResponse?: () => unknown }).getResponse?.() as HealthCheckResult | undefined;
      res.status(503).json(result ?? { status: 'error' });
    }
  }

  private shutdownCheck(): HealthIndicatorResult {
    const session = this.indicators.check('server');
    return this.tracker.isDraining ? session.down({ message: 'shutting down' }) : session.up();
  }

  private async probe(key: string, check: () => Promise<void>): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    try {
      await withTimeout(check(), PROBE_TIMEOUT_MS);
      return session.up();
    } catch (error) {
      return session.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
