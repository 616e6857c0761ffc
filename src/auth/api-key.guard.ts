import { isApiPath } from '../common/http/api-path';
import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import type { AllConfig, ServerConfig } from '../config/app.config';
import { ApiError } from '../core/errors';
import { MetricsService } from '../metrics/metrics.service';
import { requestContextOf } from '../request-context/request-context';

/**
 * Bearer auth for `/v1/*` when `API_KEYS`/`API_KEYS_FILE` name keys; open otherwise. Keys are compared as SHA-256
 * digests with `timingSafeEqual` (equal lengths, no early exit), and never logged: only a digest prefix is kept,
 * as the rate-limit identity.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate, OnModuleInit {
  private readonly logger = new Logger(ApiKeyGuard.name);
  private readonly digests: Buffer[];

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly metrics: MetricsService,
  ) {
    this.digests = config.get<ServerConfig>('server').apiKeys.map(digest);
  }

  onModuleInit(): void {
    if (this.digests.length === 0) {
      this.logger.warn('API_KEYS is not set: /v1 is open to anyone who can reach this server.');
    } else {
      this.logger.log(`API key auth is on for /v1 (${this.digests.length} key(s)).`);
    }
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (this.digests.length === 0 || !isApiPath(req.path)) {
      return true;
    }
    const key = bearerToken(req.headers.authorization);
    if (key === undefined) {
      this.metrics.recordRejected('unauthorized');
      throw invalidApiKey(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer " +
          'auth (i.e. Authorization: Bearer YOUR_KEY).',
      );
    }
    const candidate = digest(key);
    // Compare against every key, so the time taken does not tell which one (or whether any) matched.
    let matched = false;
    for (const known of this.digests) {
      matched = timingSafeEqual(candidate, known) || matched;
    }
    if (!matched) {
      this.metrics.recordRejected('unauthorized');
      throw invalidApiKey('Incorrect API key provided. You can find your API key with the operator of this server.');
    }
    const requestContext = requestContextOf(req);
    if (requestContext) {
      requestContext.keyDigest = candidate.toString('hex');
      requestContext.principal = `key:${requestContext.keyDigest.slice(0, 24)}`;
    }
    return true;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** OpenAI's own 401: `invalid_request_error` / `invalid_api_key`, so SDKs show the message (litellm#1554). */
function invalidApiKey(message: string): ApiError {
  return new ApiError(401, message, { type: 'invalid_request_error', code: 'invalid_api_key' });
}
