import { AbortedError, ApiError } from '../../errors';
import { isJsonObject } from '../../json-object';

/** What the upstream said in its error body, read leniently (any field may be missing or of another type). */
export interface UpstreamErrorBody {
  message?: string;
  param: string | null;
  code: string | null;
}

export function readUpstreamError(text: string): UpstreamErrorBody {
  let error: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    const inner = isJsonObject(parsed) ? (isJsonObject(parsed.error) ? parsed.error : parsed) : undefined;
    error = inner ?? {};
  } catch {
    // Not JSON (an HTML error page, a proxy's text): nothing the client can use.
  }
  return {
    message: typeof error.message === 'string' ? error.message : undefined,
    param: typeof error.param === 'string' ? error.param : null,
    code: typeof error.code === 'string' || typeof error.code === 'number' ? String(error.code) : null,
  };
}

/**
 * Removes credentials from upstream text before it can reach a client or a log: the configured key wherever it
 * appears (an upstream 401 often echoes it), and anything shaped like a bearer token or an API key.
 */
export function redactSecrets(text: string, apiKey: string | undefined): string {
  let clean = text;
  if (apiKey && apiKey.length >= 4) {
    clean = clean.split(apiKey).join('[redacted]');
  }
  return clean
    .replace(/\b(Bearer)\s+[^\s"',;]+/gi, '$1 [redacted]')
    .replace(/\b(sk|pk|rk|key)-[A-Za-z0-9_*.-]{6,}/g, '[redacted]')
    .slice(0, 2_000);
}

/**
 * An upstream answer with an error status, as our client should see it:
 * - 400 and 422 are the client's mistake caught upstream: status 400 with the upstream's (redacted) message, `param`
 *   and `code`, so the client can fix its request (e.g. a context length exceeded).
 * - 429 keeps its status and retry headers.
 * - Everything else is the backend's trouble, or ours (an upstream 401 means the server's own key is wrong): a 502
 *   with a message of our own naming the status and code, so the client's SDK retries it and nothing the upstream
 *   wrote (its key echo included) reaches the client.
 */
export function upstreamStatusError(
  status: number,
  body: UpstreamErrorBody,
  retryHeaders: Record<string, string>,
  apiKey: string | undefined,
): ApiError {
  if (status === 400 || status === 422) {
    const message = body.message ? redactSecrets(body.message, apiKey) : `The model backend rejected the request.`;
    return new ApiError(400, message, { type: 'invalid_request_error', param: body.param, code: body.code });
  }
  const code = body.code && /^[\w.-]{1,64}$/.test(body.code) ? ` (${body.code})` : '';
  if (status === 429) {
    return new ApiError(429, `The model backend is rate limited${code}; please retry later.`, {
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
      headers: retryHeaders,
    });
  }
  const reason =
    status === 401 || status === 403
      ? ': it rejected the server’s credentials (see the server log and its settings)'
      : '';
  return new ApiError(502, `The model backend failed with status ${status}${code}${reason}.`, {
    type: 'server_error',
    code: 'upstream_error',
  });
}

/** The upstream answered 2xx with something that is not what its protocol promises. */
export function badUpstreamResponse(what: string): ApiError {
  return new ApiError(502, `The model backend answered badly: ${what}.`, {
    type: 'server_error',
    code: 'upstream_bad_response',
  });
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** A transport failure (no answer, a reset, a timeout) or an abort, as our error. */
export function upstreamTransportError(error: unknown, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) {
    return new AbortedError();
  }
  if (error instanceof ApiError || error instanceof AbortedError) {
    return error;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new ApiError(504, 'The model backend timed out.', {
      type: 'server_error',
      code: 'upstream_timeout',
      cause: error,
    });
  }
  const detail = typeof code === 'string' ? ` (${code})` : '';
  return new ApiError(502, `Could not reach the model backend${detail}.`, {
    type: 'server_error',
    code: 'upstream_unreachable',
    cause: error,
  });
}
