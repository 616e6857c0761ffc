import type { Request } from 'express';

interface TraceIds {
  trace_id: string;
  span_id: string;
}

const traceKey = Symbol('trace');

/** Set by the HTTP server span middleware (tracing on only). No OpenTelemetry import: the log line reads it always. */
export function attachTrace(req: Request, ids: TraceIds): void {
  (req as unknown as Record<symbol, TraceIds>)[traceKey] = ids;
}

/**
 * The request's trace and server span ids for its log line, under the names OpenTelemetry's log correlation uses
 * (`trace_id`, `span_id`); undefined when the request is not traced.
 */
export function traceFieldsOf(req: Request): TraceIds | undefined {
  return (req as unknown as Record<symbol, TraceIds | undefined>)[traceKey];
}
