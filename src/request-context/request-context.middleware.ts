import { isApiPath, protocolOf } from '../common/http/api-path';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NextFunction, Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import type { Level } from 'pino';
import { SERVED_AGENTS, type ServedAgents } from '../agent/served-agents';
import { sendError } from '../common/errors/error-response';
import type { AllConfig, ServerConfig } from '../config/app.config';
import { ApiError } from '../core/errors';
import { MetricsService } from '../metrics/metrics.service';
import { traceFieldsOf } from '../tracing/request-trace';
import { attachRequestContext, RequestContext, requestFields } from './request-context';
import { RequestTracker } from './request-tracker.service';

/** Probes and scrapes are logged at debug, so a request log is about requests. */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

/** A client's own id is kept when it is a plausible id; anything else (too long, odd bytes) is replaced. */
const ACCEPTED_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** The request fields logs and metrics read once the body is parsed. */
export interface RequestSummary {
  /** The model as the client wrote it (for logs). */
  model?: string;
  /** The model as a metrics label: a served id, '' when none was named, 'unknown' otherwise. */
  modelLabel: string;
  stream: boolean;
}

/**
 * Express middleware for every request, installed by `createServer` before the body parser (so even a 413 carries
 * the id): request id (`x-request-id` in and out), the request context (read back with `requestContextOf(req)`), the
 * concurrency cap and the shutdown refusal for `/v1/*`, and when the response closes its metrics and its log line.
 *
 * The log line is written here rather than by nestjs-pino's pino-http middleware, which runs every request inside an
 * AsyncLocalStorage: on Node 20 that hooks every promise of the process, and with pino-http's per-request child
 * logger it was a large share of a proxied request's CPU (BENCHMARKS.md). The line keeps pino-http's shape and redaction.
 */
@Injectable()
export class RequestContextMiddleware {
  private readonly config: ServerConfig;

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly tracker: RequestTracker,
    private readonly metrics: MetricsService,
    @Inject(SERVED_AGENTS) private readonly agents: ServedAgents,
  ) {
    this.config = config.get<ServerConfig>('server');
  }

  readonly start = (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers['x-request-id'];
    const id = typeof header === 'string' && ACCEPTED_REQUEST_ID.test(header) ? header : randomUUID();
    (req as Request & { id?: string }).id = id;
    res.setHeader('x-request-id', id);
    const context = new RequestContext(id, this.config.requestTimeoutMs);
    attachRequestContext(req, context);

    const isApi = isApiPath(req.path);
    if (isApi) {
      const refusal = this.refusal();
      if (refusal) {
        this.metrics.recordRejected(refusal.code ?? 'refused');
        res.once('close', () => this.record(req, res, context));
        sendError(res, refusal);
        return;
      }
      this.tracker.add(context);
      this.metrics.inFlight.inc();
    }
    let streamOpen = false;
    context.onStreamOpen(() => {
      streamOpen = true;
      this.metrics.openStreams.inc();
    });

    res.once('close', () => {
      context.end();
      if (isApi) {
        this.tracker.delete(context);
        this.metrics.inFlight.dec();
      }
      if (streamOpen) {
        this.metrics.openStreams.dec();
      }
      this.record(req, res, context);
    });
    next();
  };

  summarize(req: Request): RequestSummary {
    const { model, stream } = requestFields(req);
    const modelLabel = model === undefined ? '' : this.agents.has(model) ? model : 'unknown';
    return { model, modelLabel, stream: stream === true };
  }

  private refusal(): ApiError | undefined {
    if (this.tracker.isDraining) {
      return ApiError.shuttingDown();
    }
    const max = this.config.maxConcurrentRequests;
    if (max > 0 && this.tracker.size >= max) {
      return new ApiError(503, `The server is at capacity (${max} concurrent requests); please retry shortly.`, {
        type: 'server_error',
        code: 'server_overloaded',
        headers: { 'retry-after': '1' },
      });
    }
    return undefined;
  }

  private record(req: Request, res: Response, context: RequestContext): void {
    const { model, modelLabel, stream } = this.summarize(req);
    const route = (req.route as { path?: string } | undefined)?.path;
    this.metrics.recordRequest({
      route: route ? `${req.baseUrl}${route}` : 'unmatched',
      protocol: protocolOf(req.path),
      method: req.method,
      status: res.statusCode,
      model: modelLabel,
      stream,
      durationSeconds: (performance.now() - context.startedAt) / 1000,
      timeToFirstTokenSeconds:
        context.firstTokenAt === undefined ? undefined : (context.firstTokenAt - context.startedAt) / 1000,
      usage: context.usage,
    });
    if (context.upstreamErrors > 0) {
      this.metrics.recordUpstreamError(modelLabel, context.upstreamErrors);
    }
    for (const call of context.toolCalls) {
      this.metrics.recordToolCall(call.name, call.executor);
    }
    this.log(req, res, context, model, stream);
  }

  /** One line per request, as pino-http wrote it: `req` (headers redacted by the root logger), `res`, `responseTime`. */
  private log(req: Request, res: Response, context: RequestContext, model: string | undefined, stream: boolean): void {
    const logger = PinoLogger.root as PinoLogger['logger'] | undefined;
    const finished = res.writableFinished;
    const status = res.statusCode;
    // A 503 is a state reported once where it starts (the model loading, a drain, the concurrency cap), so each
    // request turned away meanwhile is a warning, not a new error.
    const failed = status >= 500 && status !== 503;
    const level: Level = failed
      ? 'error'
      : QUIET_PATHS.has(req.path)
        ? 'debug'
        : status >= 400 || !finished
          ? 'warn'
          : 'info';
    if (!logger?.isLevelEnabled(level)) {
      return;
    }
    const firstToken = context.firstTokenAt;
    logger[level](
      {
        req: {
          id: context.id,
          method: req.method,
          url: req.originalUrl,
          headers: req.headers,
          remoteAddress: req.socket.remoteAddress,
          remotePort: req.socket.remotePort,
        },
        requestId: context.id,
        model,
        stream,
        res: { statusCode: status },
        responseTime: Math.round(performance.now() - context.startedAt),
        usage: context.usage,
        timeToFirstTokenMs: firstToken === undefined ? undefined : Math.round(firstToken - context.startedAt),
        // The request's trace (tracing on): from its log line to its spans.
        ...traceFieldsOf(req),
      },
      // A client that went away before the end is not the server's failure: a warning, not an error.
      finished ? 'request completed' : 'request aborted',
    );
  }
}
