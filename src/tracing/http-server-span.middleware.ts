import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { NextFunction, Request, Response } from 'express';
import { tracer } from '../core/tracing/tracer';
import { attachTrace } from './request-trace';

/** Probes and scrapes every few seconds would bury the requests: they get no span. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/**
 * The HTTP server span of each request (stable HTTP semantic conventions), installed first by createServer when our
 * SDK runs. An incoming `traceparent` makes it a child of the caller's span. Our own middleware rather than
 * `@opentelemetry/instrumentation-http`: no module patching (which must precede every `require('http')`), no
 * client-side spans we do not want, and only the attributes we use. The request and response emitters are bound to
 * its context, so the body parser's callbacks, the handler and everything the agent does run under it. Neither the
 * query string nor any header beyond the user agent is recorded: they may carry keys.
 */
export function httpServerSpan(req: Request, res: Response, next: NextFunction): void {
  if (UNTRACED_PATHS.has(req.path)) {
    next();
    return;
  }
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const method = KNOWN_METHODS.has(req.method) ? req.method : '_OTHER';
  const span = tracer.startSpan(
    method === '_OTHER' ? 'HTTP' : method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_URL_PATH]: req.path,
        [ATTR_URL_SCHEME]: req.protocol,
        [ATTR_SERVER_ADDRESS]: req.hostname,
        [ATTR_SERVER_PORT]: hostPort(req),
        [ATTR_CLIENT_ADDRESS]: req.ip,
        [ATTR_USER_AGENT_ORIGINAL]: req.headers['user-agent'],
        [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
      },
    },
    parent,
  );
  const { traceId, spanId } = span.spanContext();
  attachTrace(req, { trace_id: traceId, span_id: spanId });
  const ctx = trace.setSpan(parent, span);
  context.bind(ctx, req);
  context.bind(ctx, res);
  res.once('close', () => endServerSpan(span, req, res, method));
  context.with(ctx, next);
}

function endServerSpan(span: Span, req: Request, res: Response, method: string): void {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof route === 'string') {
    const fullRoute = `${req.baseUrl}${route}`;
    span.setAttribute(ATTR_HTTP_ROUTE, fullRoute);
    span.updateName(`${method === '_OTHER' ? 'HTTP' : method} ${fullRoute}`);
  }
  const status = res.statusCode;
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  // The request id joins the trace to the request's log line and to what the client saw.
  const requestId = res.getHeader('x-request-id');
  if (typeof requestId === 'string') {
    span.setAttribute('http.response.header.x-request-id', [requestId]);
  }
  // Server spans mark only 5xx as errors (a 4xx is the client's); the convention's `error.type` is the status.
  if (status >= 500) {
    span.setAttribute(ATTR_ERROR_TYPE, String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

function hostPort(req: Request): number | undefined {
  const host = req.headers.host;
  const match = host ? /:(\d+)$/.exec(host) : null;
  return match ? Number(match[1]) : req.socket.localPort;
}
