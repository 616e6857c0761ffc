import { A2A_ERROR_CODE } from '@a2a-js/sdk/errors';
import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { toErrorResponse } from '../common/errors/error-response';
import { requestContextOf } from '../request-context/request-context';
import { type JsonRpcErrorEnvelope, rpcIdOf } from './a2a-sse.format';

/**
 * Errors raised before the A2A handler runs (no API key, a rate limit, an unknown agent, a timeout) in A2A's own
 * form: a JSON-RPC error envelope, keeping the HTTP status (401, 404, 429, 503...) and its headers. A client error
 * is `-32600` (invalid request), a server error `-32603` (internal error); the message is the one the OpenAI routes
 * give.
 */
@Catch()
export class A2aExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(A2aExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const { status, body, headers, unexpected } = toErrorResponse(exception);
    if (unexpected) {
      this.logger.error({ err: exception, requestId: requestContextOf(req)?.id }, 'Unhandled error');
    }
    if (res.headersSent) {
      if (!res.writableEnded) {
        res.end();
      }
      return;
    }
    const envelope: JsonRpcErrorEnvelope = {
      jsonrpc: '2.0',
      id: rpcIdOf(req.body),
      error: {
        code: status >= 500 ? A2A_ERROR_CODE.INTERNAL_ERROR : A2A_ERROR_CODE.INVALID_REQUEST,
        message: body.error.message,
      },
    };
    res.status(status).set(headers).json(envelope);
  }
}
