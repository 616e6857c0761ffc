import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import type { AllConfig, ServerConfig } from '../../config/app.config';
import { pipeSse } from './pipe-sse';
import type { SseFormat } from './sse-format';

/** The one writer of event streams for every protocol, with the server's keep-alive setting. */
@Injectable()
export class SseWriter {
  private readonly logger = new Logger(SseWriter.name);
  private readonly keepAliveMs: number;

  constructor(config: ConfigService<AllConfig, true>) {
    this.keepAliveMs = config.get<ServerConfig>('server').sseKeepAliveMs;
  }

  /** Streams `events$` to `res` until it ends or the client leaves; `requestId` goes into the log of a failure. */
  write(res: Response, events$: Observable<unknown>, format?: SseFormat, requestId?: string): Promise<void> {
    return pipeSse(res, events$, {
      format,
      keepAliveMs: this.keepAliveMs,
      onUnexpectedError: (err) => this.logger.error({ err, requestId }, 'Stream failed'),
    });
  }
}
