import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { requestContextOf } from '../../request-context/request-context';
import { sendError, toErrorResponse } from '../errors/error-response';

/**
 * The one exception filter: every error leaves as `{ error: { message, type, param, code } }` with its status.
 * Once a stream has started the headers are sent; the SSE writer reports those errors in-stream instead.
 */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(OpenAiExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const response = toErrorResponse(exception);
    if (response.unexpected) {
      this.logger.error(
        { err: exception, requestId: requestContextOf(http.getRequest<Request>())?.id },
        'Unhandled error',
      );
    }
    if (res.headersSent) {
      if (!res.writableEnded) {
        res.end();
      }
      return;
    }
    sendError(res, response);
  }
}
