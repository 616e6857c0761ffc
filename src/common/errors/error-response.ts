import { HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError, defaultType } from '../../core/errors';
import type { WireErrorBody } from '../../openai/openai.types';
import { sendJson } from '../http/send-json';

export interface ErrorResponse {
  status: number;
  body: WireErrorBody;
  headers: Record<string, string>;
  /** True for failures we did not anticipate: log them with their stack, never show it to the client. */
  unexpected: boolean;
}

/**
 * Errors raised by Express's body parser carry an HTTP status and, mostly, a machine-readable `type`; a body that
 * does not decompress as its Content-Encoding says is zlib's own error with a status added (and `code` zlib's).
 */
interface BodyParserError {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: unknown;
  expose?: boolean;
  message: string;
}

/** zlib's codes (`Z_DATA_ERROR`, `Z_BUF_ERROR`) and brotli's (`ERR__ERROR_FORMAT_PADDING_1`, ...). */
const DECOMPRESSION_ERROR_CODE = /^(Z_|ERR__|ERR_BROTLI)/;

/**
 * Maps anything thrown anywhere (core, Nest, body parser, the unknown) to the one OpenAI error body. Used by the
 * global filter for plain HTTP errors and by the SSE writer for errors before and during a stream.
 */
export function toErrorResponse(exception: unknown): ErrorResponse {
  if (exception instanceof ApiError) {
    return { status: exception.status, body: exception.toBody(), headers: exception.headers, unexpected: false };
  }
  if (exception instanceof HttpException) {
    return fromHttpException(exception);
  }
  const parserError = asBodyParserError(exception);
  if (parserError) {
    return fromBodyParserError(parserError);
  }
  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    body: errorBody('The server had an error while processing your request.', 'server_error', null, 'internal_error'),
    headers: {},
    unexpected: true,
  };
}

/**
 * The one writer of an error answer on a plain HTTP response (the filter, the SSE writer before its first event, the
 * middleware's refusals). Only before anything was sent; afterwards a protocol reports errors in its own form.
 */
export function sendError(res: Response, error: unknown): void {
  if (res.headersSent) {
    return;
  }
  const { status, body, headers } = isErrorResponse(error) ? error : toErrorResponse(error);
  for (const [name, value] of Object.entries(headers)) {
    res.setHeader(name, value);
  }
  sendJson(res, status, body);
}

function isErrorResponse(value: unknown): value is ErrorResponse {
  return typeof value === 'object' && value !== null && 'body' in value && 'status' in value && 'unexpected' in value;
}

export function errorBody(message: string, type: string, param: string | null, code: string | null): WireErrorBody {
  return { error: { message, type, param, code } };
}

function fromHttpException(exception: HttpException): ErrorResponse {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (isWireErrorBody(response)) {
    return { status, body: response, headers: {}, unexpected: false };
  }
  let message = exception.message;
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const raw = response.message;
    message = Array.isArray(raw) ? raw.join('; ') : String(raw);
  } else if (typeof response === 'string') {
    message = response;
  }
  const code = status === 404 ? 'not_found' : null;
  return { status, body: errorBody(message, defaultType(status), null, code), headers: {}, unexpected: false };
}

function fromBodyParserError(error: BodyParserError): ErrorResponse {
  const status = error.status ?? error.statusCode ?? 400;
  if (error.type === 'entity.too.large') {
    return {
      status: HttpStatus.PAYLOAD_TOO_LARGE,
      body: errorBody('The request body is too large.', 'invalid_request_error', null, 'request_too_large'),
      headers: {},
      unexpected: false,
    };
  }
  if (error.type === 'entity.shape.invalid') {
    return clientError(error.message, typeof error.code === 'string' ? error.code : null);
  }
  if (error.type === undefined && typeof error.code === 'string' && DECOMPRESSION_ERROR_CODE.test(error.code)) {
    return clientError(
      `The request body could not be decompressed as its Content-Encoding header says (${error.message}).`,
      'invalid_content_encoding',
    );
  }
  if (error.type === 'entity.parse.failed') {
    return {
      status: HttpStatus.BAD_REQUEST,
      body: errorBody(
        `We could not parse the JSON body of your request: ${error.message}`,
        'invalid_request_error',
        null,
        'invalid_json',
      ),
      headers: {},
      unexpected: false,
    };
  }
  const message = error.expose === false ? 'The request could not be read.' : error.message;
  return {
    status,
    body: errorBody(message, defaultType(status), null, error.type ?? null),
    headers: {},
    unexpected: status >= 500,
  };
}

function clientError(message: string, code: string | null): ErrorResponse {
  return {
    status: HttpStatus.BAD_REQUEST,
    body: errorBody(message, 'invalid_request_error', null, code),
    headers: {},
    unexpected: false,
  };
}

function asBodyParserError(exception: unknown): BodyParserError | undefined {
  if (!(exception instanceof Error)) {
    return undefined;
  }
  const candidate = exception as Error & BodyParserError;
  const status = candidate.status ?? candidate.statusCode;
  if (typeof status !== 'number') {
    return undefined;
  }
  const decompression = typeof candidate.code === 'string' && DECOMPRESSION_ERROR_CODE.test(candidate.code);
  return typeof candidate.type === 'string' || decompression ? candidate : undefined;
}

function isWireErrorBody(value: unknown): value is WireErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) {
    return false;
  }
  const error = value.error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}
