import type { Request } from 'express';
import type { AgentResponse, AgentStreamEvent } from '../core/chat-agent';
import { ApiError } from '../core/errors';
import { addUsage } from '../core/usage';
import type { Usage } from '../core/types';

/** Who spent what in one request: how the service boundary reports back to logs, metrics and rate limits. */
export class RequestContext {
  readonly startedAt = performance.now();
  /** Aborted by the server itself, with an `ApiError` reason: the request timed out (504) or we shut down (503). */
  private readonly controller = new AbortController();
  private deadline?: NodeJS.Timeout;
  private readonly usageListeners: Array<(usage: Usage) => void> = [];
  private readonly streamOpenListeners: Array<() => void> = [];

  /** Rate-limit identity: a hash of the API key, or the client address when the API is open. */
  principal?: string;
  /** The SHA-256 (hex) of the API key the guard accepted; undefined when the API is open. Never the key itself. */
  keyDigest?: string;
  usage?: Usage;
  /** `performance.now()` of the first event from the backend. */
  firstTokenAt?: number;
  streamed = false;
  /** Names of the tool calls made while serving this request (the client's and the agent's own). */
  readonly toolCalls: Array<{ name: string; executor: 'client' | 'agent' }> = [];
  upstreamErrors = 0;

  /** `timeoutMs`: REQUEST_TIMEOUT_MS for the backend work of this request (0 = none). */
  constructor(
    readonly id: string,
    private readonly timeoutMs = 0,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Starts the per-request timeout (once); when it fires, the backend work is aborted and the client gets a 504. */
  startDeadline(): void {
    const timeoutMs = this.timeoutMs;
    if (timeoutMs <= 0 || this.deadline || this.signal.aborted) {
      return;
    }
    this.deadline = setTimeout(
      () =>
        this.abort(
          new ApiError(504, `The request timed out after ${timeoutMs} ms.`, { type: 'server_error', code: 'timeout' }),
        ),
      timeoutMs,
    );
    this.deadline.unref();
  }

  abort(reason: ApiError): void {
    this.controller.abort(reason);
  }

  onUsage(listener: (usage: Usage) => void): void {
    this.usageListeners.push(listener);
  }

  addUsage(usage: Usage): void {
    this.usage = this.usage ? addUsage(this.usage, usage) : { ...usage };
    for (const listener of this.usageListeners) {
      listener(usage);
    }
  }

  /** What one streamed agent event tells logs, metrics and limits: first token, tool calls, usage. */
  observe(event: AgentStreamEvent): void {
    this.markFirstToken();
    if (event.type === 'tool-call' && event.name) {
      this.toolCalls.push({ name: event.name, executor: 'client' });
    } else if (event.type === 'tool-run' && event.phase === 'start') {
      for (const call of event.calls) {
        this.toolCalls.push({ name: call.name, executor: 'agent' });
      }
    } else if (event.type === 'finish') {
      this.addUsage(event.usage);
    }
  }

  /** The same, for a whole (non-streamed) agent response. */
  observeResponse(response: AgentResponse): void {
    this.markFirstToken();
    for (const call of response.agentToolCalls ?? []) {
      this.toolCalls.push({ name: call.name, executor: 'agent' });
    }
    for (const call of response.message.toolCalls ?? []) {
      this.toolCalls.push({ name: call.name, executor: 'client' });
    }
    this.addUsage(response.usage);
  }

  onStreamOpen(listener: () => void): void {
    this.streamOpenListeners.push(listener);
  }

  markFirstToken(): void {
    if (this.firstTokenAt !== undefined) {
      return;
    }
    this.firstTokenAt = performance.now();
    if (this.streamed) {
      for (const listener of this.streamOpenListeners) {
        listener();
      }
    }
  }

  /**
   * The error the client should see for a failed backend call: the server's own reason when it aborted the work
   * (timeout, shutdown), the error itself otherwise (counted as an upstream error unless the client went away).
   */
  failure(error: unknown, clientSignal?: AbortSignal): unknown {
    if (this.signal.aborted && this.signal.reason instanceof ApiError) {
      return this.signal.reason;
    }
    if (!clientSignal?.aborted) {
      this.upstreamErrors++;
    }
    return error;
  }

  end(): void {
    clearTimeout(this.deadline);
  }
}

const contextKey = Symbol('requestContext');

export function attachRequestContext(req: Request, context: RequestContext): void {
  (req as unknown as Record<symbol, RequestContext>)[contextKey] = context;
}

export function requestContextOf(req: Request): RequestContext | undefined {
  return (req as unknown as Record<symbol, RequestContext | undefined>)[contextKey];
}

/** What logs and metrics want of the request body (once parsed), without trusting its shape. */
export function requestFields(req: Request): { model?: string; stream?: boolean } {
  const body: unknown = req.body;
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  return {
    // Capped: a client can write anything here, and it goes into every log line.
    model: typeof fields.model === 'string' ? fields.model.slice(0, 200) : undefined,
    stream: typeof fields.stream === 'boolean' ? fields.stream : undefined,
  };
}
