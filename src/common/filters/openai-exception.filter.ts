import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorResponse } from '../errors/error-response';

/**
 * The one exception filter: every error leaves as `{ error: { message, type, param, code } }` with its status.
 * Once a stream has started the headers are sent; the SSE writer reports those errors in-stream instead.
 */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(OpenAiExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body, headers, unexpected } = toErrorResponse(exception);
    if (unexpected) {
      this.logger.error({ err: exception }, 'Unhandled error');
    }
    if (res.headersSent) {
      if (!res.writableEnded) {
        res.end();
      }
      return;
    }
    res.status(status).set(headers).json(body);
  }
}
