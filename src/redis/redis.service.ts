import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import type { AllConfig, ServerConfig } from '../config/app.config';
import { loadIoredis } from './ioredis.loader';

/**
 * The one Redis connection of this replica, when `REDIS_URL` is set: shared rate-limit counters and tool turns.
 * Commands fail fast (one retry, then an error) so a Redis outage shows as errors, not as hung requests.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  readonly client?: Redis;
  readonly keyPrefix: string;

  constructor(config: ConfigService<AllConfig, true>) {
    const { redisUrl, redisKeyPrefix } = config.get<ServerConfig>('server');
    this.keyPrefix = redisKeyPrefix;
    if (redisUrl) {
      // No ioredis commandTimeout: its timer outlives a command that failed otherwise; callers bound their own waits.
      this.client = new (loadIoredis().Redis)(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5_000 });
      this.client.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
      this.logger.log(`Shared state in Redis at ${redactUrl(redisUrl)}`);
    }
  }

  get enabled(): boolean {
    return this.client !== undefined;
  }

  /** Readiness: resolves when Redis answers PING. */
  async ping(): Promise<void> {
    if (!this.client) {
      return;
    }
    await this.client.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client || this.client.status === 'end') {
      return;
    }
    // QUIT waits for a live connection; with Redis unreachable, just stop reconnecting.
    if (this.client.status === 'ready') {
      await this.client.quit().catch(() => this.client?.disconnect());
    } else {
      this.client.disconnect();
    }
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}
