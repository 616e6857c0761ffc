import {
  context,
  isSpanContextValid,
  type Span,
  SpanStatusCode,
  trace,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import { ApiError, isAbortError } from '../errors';
import { ERROR_TYPE } from './gen-ai-attributes';

/**
 * The core's tracer. Through `@opentelemetry/api` only: without a registered SDK every span is a no-op, and with one
 * (ours, started by the server from OTEL_* variables, or an application's own) the agent's runs, model calls and
 * tool calls are traced wherever the agent runs.
 */
export const tracer: Tracer = trace.getTracer('chat-agent-server');

/**
 * Whether a span is worth instrumenting around: it records, or it carries a trace to propagate (a sampled-out
 * request still passes its `traceparent` upstream). Without an SDK neither holds, so callers skip all the work.
 */
export function isLive(span: Span): boolean {
  return span.isRecording() || isSpanContextValid(span.spanContext());
}

/** The context in which work for `span` runs, so spans it starts (and headers it injects) hang under it. */
export function contextWith(span: Span, parent: Context = context.active()): Context {
  return trace.setSpan(parent, span);
}

/**
 * The convention's opt-in switch for message content. Read per run, not once, so a library user may flip it; only
 * when a span records.
 */
export function captureMessageContent(): boolean {
  return process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.toLowerCase() === 'true';
}

/**
 * The low-cardinality `error.type` of a failure. The convention asks instrumentations to document theirs:
 * - the server's own abort reason when it ended the work: `timeout` (REQUEST_TIMEOUT_MS), `server_shutting_down`;
 * - `cancelled` when the caller went away (a client disconnect, an aborted signal, a stream closed early);
 * - an `ApiError`'s code (`upstream_timeout`, `upstream_error`, `upstream_unreachable`, `rate_limit_exceeded`, ...),
 *   else its HTTP status;
 * - `tool_error` for a tool call whose outcome is an error;
 * - otherwise the error's class name, or `_OTHER`.
 */
export function errorType(error: unknown, signal?: AbortSignal): string {
  if (isAbortError(error) || signal?.aborted) {
    return stoppedEarlyType(signal);
  }
  if (error instanceof ApiError) {
    return error.code ?? String(error.status);
  }
  if (error instanceof Error) {
    return error.constructor.name || error.name || '_OTHER';
  }
  return '_OTHER';
}

/** Work its consumer stopped before the end: the server's reason (timeout, shutdown) when it aborted, else cancelled. */
export function stoppedEarlyType(signal?: AbortSignal): string {
  const reason: unknown = signal?.aborted ? signal.reason : undefined;
  return reason instanceof ApiError ? (reason.code ?? String(reason.status)) : 'cancelled';
}

/**
 * Ends `span` as failed: `error.type` and an error status. The status message is the error's class, not its text,
 * which may quote the request (a tool's failure, an upstream's 400 about the prompt).
 */
export function endWithError(span: Span, type: string): void {
  span.setAttribute(ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
  span.end();
}
