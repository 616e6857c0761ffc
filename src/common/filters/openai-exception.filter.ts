import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isAbortError } from '../../core/errors';
import { clientGone } from '../http/client-gone';
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
    if (clientGone(res) && (isAbortError(exception) || toErrorResponse(exception).unexpected)) {
      // The client hung up before the reply (its work was cancelled): a normal event, not a server failure. The
      // request line already says "request aborted"; this one says why the handler stopped.
      const requestId = requestContextOf(http.getRequest<Request>())?.id;
      this.logger.debug({ requestId, reason: errorName(exception) }, 'Client went away; its request was cancelled');
      return;
    }
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

function errorName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
