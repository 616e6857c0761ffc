import { context, propagation } from '@opentelemetry/api';

/**
 * The headers that carry the active trace to an upstream (W3C `traceparent`/`tracestate`, and `baggage`, with the
 * SDK's default propagators), so an upstream that traces too (vLLM, a gateway) joins the same trace. Every backend
 * that makes an HTTP request adds these to it; called inside the `chat` span, they name that span as the parent.
 * Without an SDK no propagator is registered and this is an empty object.
 */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}
