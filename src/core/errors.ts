import type { WireErrorBody } from '../openai/openai.types';

export interface ApiErrorOptions {
  type?: string;
  code?: string | null;
  param?: string | null;
  /** Extra response headers, e.g. `retry-after` for 429s. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * An error that knows its OpenAI wire form. The core throws it; the HTTP layer writes it as the one error body
 * `{ error: { message, type, param, code } }` with `status`, before or during a stream.
 */
export class ApiError extends Error {
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.type = options.type ?? defaultType(status);
    this.code = options.code ?? null;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }

  toBody(): WireErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  static invalidRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
    return new ApiError(400, message, { type: 'invalid_request_error', param, code });
  }

  /** A request refused, or cut, because the server is draining before it stops. */
  static shuttingDown(): ApiError {
    return new ApiError(503, 'The server is shutting down; please retry the request.', {
      type: 'server_error',
      code: 'server_shutting_down',
      headers: { connection: 'close', 'retry-after': '1' },
    });
  }

  static modelNotFound(model: string, available: string[]): ApiError {
    return new ApiError(404, `The model '${model}' does not exist. Available models: ${available.join(', ')}.`, {
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    });
  }
}

/** Thrown when the caller aborted: nothing is written, the connection is already gone. */
export class AbortedError extends Error {
  constructor(message = 'The request was aborted by the client.') {
    super(message);
    this.name = 'AbortError';
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error instanceof AbortedError);
}

export function defaultType(status: number): string {
  if (status === 401) {
    return 'authentication_error';
  }
  if (status === 403) {
    return 'permission_error';
  }
  if (status === 404) {
    return 'not_found_error';
  }
  if (status === 429) {
    return 'rate_limit_error';
  }
  if (status >= 500) {
    return 'server_error';
  }
  return 'invalid_request_error';
}
