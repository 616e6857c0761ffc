import { isApiPath } from '../common/http/api-path';
import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import type { AllConfig, ServerConfig } from '../config/app.config';
import { ApiError } from '../core/errors';
import { MetricsService } from '../metrics/metrics.service';
import { requestContextOf } from '../request-context/request-context';
import { RATE_LIMIT_STORE, type RateLimitStore } from './rate-limit.store';

const WINDOW_MS = 60_000;

type Limit = 'requests' | 'tokens';

/**
 * Requests and tokens per minute for `/v1/*`, per API key (or per client address when the API is open), with
 * OpenAI's `x-ratelimit-*` headers. Tokens are counted when a reply finishes, so a request is refused once the
 * window's tokens are spent (the one that crosses the line is still served). A store failure lets the request
 * through (logged): a Redis outage must not take the API down with it.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger(RateLimitGuard.name);
  private readonly rpm: number;
  private readonly tpm: number;

  constructor(
    config: ConfigService<AllConfig, true>,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    private readonly metrics: MetricsService,
  ) {
    const server = config.get<ServerConfig>('server');
    this.rpm = server.rateLimitRpm;
    this.tpm = server.rateLimitTpm;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if ((this.rpm === 0 && this.tpm === 0) || !isApiPath(req.path)) {
      return true;
    }
    const requestContext = requestContextOf(req);
    const principal = requestContext?.principal ?? `ip:${req.ip ?? 'unknown'}`;
    try {
      if (this.rpm > 0) {
        const { total, resetMs } = await this.store.increment(`rpm:${principal}`, 1, WINDOW_MS);
        setHeaders(res, 'requests', this.rpm, total, resetMs);
        if (total > this.rpm) {
          throw this.rateLimited('requests', this.rpm, total - 1, resetMs);
        }
      }
      if (this.tpm > 0) {
        const { total, resetMs } = await this.store.increment(`tpm:${principal}`, 0, WINDOW_MS);
        setHeaders(res, 'tokens', this.tpm, total, resetMs);
        if (total >= this.tpm) {
          throw this.rateLimited('tokens', this.tpm, total, resetMs);
        }
        requestContext?.onUsage((usage) => {
          this.store.increment(`tpm:${principal}`, usage.totalTokens, WINDOW_MS).catch((error: unknown) => {
            this.logger.error({ err: error }, 'Could not count tokens for the rate limit');
          });
        });
      }
    } catch (error) {
      if (error instanceof ApiError) {
        throw error;
      }
      this.logger.error({ err: error }, 'Rate limit store failed; letting the request through');
    }
    return true;
  }

  private rateLimited(limit: Limit, max: number, used: number, resetMs: number): ApiError {
    this.metrics.recordRejected(`rate_limit_${limit}`);
    const retryMs = Math.max(resetMs, 1);
    const unit = limit === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)';
    // OpenAI's own shape: type names the limit, code `rate_limit_exceeded`; the SDKs honour retry-after(-ms).
    return new ApiError(
      429,
      `Rate limit reached on ${unit}: Limit ${max}, Used ${used}. Please try again in ${(retryMs / 1000).toFixed(1)}s.`,
      {
        type: limit,
        code: 'rate_limit_exceeded',
        headers: { 'retry-after': String(Math.ceil(retryMs / 1000)), 'retry-after-ms': String(retryMs) },
      },
    );
  }
}

function setHeaders(res: Response, limit: Limit, max: number, total: number, resetMs: number): void {
  res.setHeader(`x-ratelimit-limit-${limit}`, String(max));
  res.setHeader(`x-ratelimit-remaining-${limit}`, String(Math.max(0, max - total)));
  res.setHeader(`x-ratelimit-reset-${limit}`, `${Math.ceil(resetMs / 1000)}s`);
}
