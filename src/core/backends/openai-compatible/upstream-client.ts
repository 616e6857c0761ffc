import { setTimeout as sleep } from 'node:timers/promises';
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import { ApiError } from '../../errors';
import { yieldToIo } from '../../yield-to-io';
import { readUpstreamError, upstreamStatusError, upstreamTransportError } from './upstream-error.mapper';

export interface UpstreamClientOptions {
  /** e.g. `http://localhost:11434/v1`; paths are appended to it. */
  baseURL: string;
  apiKey?: string;
  /** How long to wait for the answer's headers, and for each next byte of its body (a silent upstream). */
  timeoutMs: number;
  /** Retries of 429, 5xx and connection failures, before any byte of the answer was read. */
  maxRetries: number;
  headers?: Record<string, string>;
  dispatcher?: Dispatcher;
}

export type UpstreamBody = Dispatcher.ResponseData['body'];

export interface UpstreamAnswer {
  contentType: string;
  body: UpstreamBody;
}

/** The most an error body is read (the rest is dropped): enough for any JSON error, little for an HTML page. */
const ERROR_BODY_LIMIT = 64 * 1024;
/** A `retry-after` longer than this is not waited for: the 429 goes to the client, whose SDK can decide. */
const MAX_RETRY_WAIT_MS = 30_000;

/** A request this long is serialised, and its payload encoded, in event-loop turns of their own (docs/limits.md). */
export const LARGE_PAYLOAD_CHARS = 1_000_000;

let undici: typeof Undici | undefined;

/** undici, required with the first upstream call: an idle server does not hold all of it (fetch, WebSocket, caches). */
function loadUndici(): typeof Undici {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  undici ??= require('undici') as typeof Undici;
  return undici;
}

let sharedAgent: Undici.Agent | undefined;

/**
 * One Agent per process, so every model shares its pools. Idle connections are kept 4 s: shorter than the 5 s after
 * which llama.cpp's server or uvicorn (vLLM) close theirs, so a POST (never retried by undici) does not go out on a
 * socket the upstream is closing.
 */
function defaultDispatcher(): Undici.Agent {
  sharedAgent ??= new (loadUndici().Agent)({ keepAliveTimeout: 4_000, connect: { timeout: 10_000 } });
  return sharedAgent;
}

/**
 * POSTs JSON to an OpenAI-compatible upstream with `undici.request`: no fetch, no SDK, one await per answer. Every
 * failure leaves as our error (`ApiError` or `AbortedError`); only a 2xx answer is returned, its body unread.
 */
export class UpstreamClient {
  readonly baseURL: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: UpstreamClientOptions) {
    this.baseURL = options.baseURL.replace(/\/+$/, '');
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      ...options.headers,
    };
  }

  /** `headers`: this request's own, over the client's (e.g. the trace context of the call). */
  async post(
    path: string,
    body: unknown,
    signal?: AbortSignal,
    headers?: Record<string, string>,
  ): Promise<UpstreamAnswer> {
    let payload: string | Buffer = JSON.stringify(body);
    if (payload.length > LARGE_PAYLOAD_CHARS) {
      // Encoding megabytes to UTF-8 as the socket is written would lengthen the turn that serialised them.
      await yieldToIo();
      payload = Buffer.from(payload);
    }
    const requestHeaders = headers && Object.keys(headers).length > 0 ? { ...this.headers, ...headers } : this.headers;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(path, payload, requestHeaders, signal);
      if ('answer' in outcome) {
        return outcome.answer;
      }
      const wait = attempt < this.options.maxRetries ? retryDelay(outcome, attempt) : undefined;
      if (wait === undefined) {
        throw outcome.error;
      }
      try {
        await sleep(wait, undefined, { signal });
      } catch (error) {
        throw upstreamTransportError(error, signal);
      }
    }
  }

  private async attempt(
    path: string,
    payload: string | Buffer,
    requestHeaders: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<{ answer: UpstreamAnswer } | { error: Error; retryable: boolean; retryAfterMs?: number }> {
    let response: Dispatcher.ResponseData;
    try {
      response = await loadUndici().request(this.baseURL + path, {
        dispatcher: this.options.dispatcher ?? defaultDispatcher(),
        method: 'POST',
        headers: requestHeaders,
        body: payload,
        signal,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
    } catch (error) {
      const mapped = upstreamTransportError(error, signal);
      return { error: mapped, retryable: mapped instanceof ApiError };
    }
    const { statusCode, headers } = response;
    const contentType = String(headers['content-type'] ?? '');
    if (statusCode >= 200 && statusCode < 300) {
      return { answer: { contentType, body: response.body } };
    }
    const text = await readCapped(response.body, signal);
    const retryHeaders = pickRetryHeaders(headers);
    const error = upstreamStatusError(statusCode, readUpstreamError(text), retryHeaders, this.options.apiKey);
    return {
      error,
      retryable: statusCode === 429 || statusCode >= 500,
      retryAfterMs: parseRetryAfter(retryHeaders),
    };
  }
}

/** Drops a body we will not read, quietly: what is left of it is read up to a limit, then the request aborted. */
export function discard(body: UpstreamBody): void {
  body.dump({ limit: ERROR_BODY_LIMIT }).catch(() => undefined);
}

/** An error body, up to the limit; a body that fails mid-read still gives what came. */
async function readCapped(body: UpstreamBody, signal: AbortSignal | undefined): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      parts.push(buffer);
      size += buffer.length;
      if (size >= ERROR_BODY_LIMIT) {
        break;
      }
    }
  } catch (error) {
    if (signal?.aborted) {
      throw upstreamTransportError(error, signal);
    }
  } finally {
    discard(body);
  }
  return Buffer.concat(parts).subarray(0, ERROR_BODY_LIMIT).toString('utf8');
}

function pickRetryHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of ['retry-after', 'retry-after-ms']) {
    const value = headers[name];
    if (typeof value === 'string' && value.length > 0 && value.length < 64) {
      picked[name] = value;
    }
  }
  return picked;
}

/** `retry-after-ms` (ms), else `retry-after` (seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(headers: Record<string, string>): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) {
    return ms;
  }
  const value = headers['retry-after'];
  if (value === undefined) {
    return undefined;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return seconds * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** How long to wait before the next attempt; undefined when this failure is not retried. */
function retryDelay(outcome: { retryable: boolean; retryAfterMs?: number }, attempt: number): number | undefined {
  if (!outcome.retryable) {
    return undefined;
  }
  if (outcome.retryAfterMs !== undefined) {
    return outcome.retryAfterMs <= MAX_RETRY_WAIT_MS ? outcome.retryAfterMs : undefined;
  }
  // Exponential backoff with jitter, as the official SDKs do: 0.5 s, 1 s, 2 s ... up to 8 s.
  const base = Math.min(500 * 2 ** attempt, 8_000);
  return base * (0.75 + Math.random() * 0.25);
}
