import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Usage } from '../core/types';

export type ToolExecutor = 'client' | 'agent';

/** What one finished HTTP request reports (see RequestContextMiddleware). */
export interface RequestRecord {
  route: string;
  /** The protocol the request spoke (`protocolOf`). */
  protocol: string;
  method: string;
  status: number;
  /** A served model id, or '' when the request named none / an unknown one ('unknown'). */
  model: string;
  stream: boolean;
  durationSeconds: number;
  timeToFirstTokenSeconds?: number;
  usage?: Usage;
}

/**
 * The service's Prometheus metrics, on a registry of its own (several apps can live in one process, as in tests).
 * The request middleware records each finished request through the methods here.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'chat_agent_http_requests_total',
    help: 'HTTP requests by protocol, route, method, status and model.',
    labelNames: ['protocol', 'route', 'method', 'status', 'model'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'chat_agent_http_request_duration_seconds',
    help: 'Time from request to the end of the response (whole stream included).',
    labelNames: ['protocol', 'route', 'model', 'stream'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  private readonly firstToken = new Histogram({
    name: 'chat_agent_time_to_first_token_seconds',
    help: 'Time from request to the first event from the model backend.',
    labelNames: ['model', 'stream'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'chat_agent_tokens_total',
    help: 'Tokens read (input: prompt) and written (output: completion) by the model backends.',
    labelNames: ['model', 'direction'],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'chat_agent_requests_in_flight',
    help: 'API requests being served now.',
    registers: [this.registry],
  });
  readonly openStreams = new Gauge({
    name: 'chat_agent_open_streams',
    help: 'Streaming responses open now.',
    registers: [this.registry],
  });
  private readonly upstreamErrors = new Counter({
    name: 'chat_agent_upstream_errors_total',
    help: 'Model backend calls that failed (not counting client disconnects).',
    labelNames: ['model'],
    registers: [this.registry],
  });
  private readonly toolCalls = new Counter({
    name: 'chat_agent_tool_calls_total',
    help: "Tool calls by tool name; executor 'client' = handed to the client, 'agent' = run by the agent itself.",
    labelNames: ['tool', 'executor'],
    registers: [this.registry],
  });
  private readonly rejected = new Counter({
    name: 'chat_agent_rejected_requests_total',
    help: 'Requests refused before reaching the model, by reason.',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'chat_agent_' });
  }

  recordRequest(record: RequestRecord): void {
    const { protocol, route, method, model } = record;
    const stream = String(record.stream);
    this.requests.inc({ protocol, route, method, status: String(record.status), model });
    this.duration.observe({ protocol, route, model, stream }, record.durationSeconds);
    if (record.timeToFirstTokenSeconds !== undefined) {
      this.firstToken.observe({ model, stream }, record.timeToFirstTokenSeconds);
    }
    if (record.usage) {
      this.tokens.inc({ model, direction: 'input' }, record.usage.promptTokens);
      this.tokens.inc({ model, direction: 'output' }, record.usage.completionTokens);
    }
  }

  recordUpstreamError(model: string, count = 1): void {
    this.upstreamErrors.inc({ model }, count);
  }

  recordToolCall(tool: string, executor: ToolExecutor = 'agent'): void {
    this.toolCalls.inc({ tool, executor });
  }

  /** reason: 'unauthorized' | 'rate_limit_requests' | 'rate_limit_tokens' | 'overloaded' | 'shutting_down'. */
  recordRejected(reason: string): void {
    this.rejected.inc({ reason });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
