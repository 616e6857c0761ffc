import { type AgentCard, Extensions, HTTP_EXTENSION_HEADER } from '@a2a-js/sdk';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import { A2A_ERROR_CODE } from '@a2a-js/sdk/errors';
import {
  defaultServerCallContextBuilder,
  DefaultRequestHandler,
  JsonRpcTransportHandler,
  type RequestHeaders,
  type ServerCallContext,
  validateVersion,
} from '@a2a-js/sdk/server';
import { Observable } from 'rxjs';
import type { AgentService } from '../agent/agent.service';
import type { RequestContext } from '../request-context/request-context';
import type { ResponsesService } from '../responses/responses.service';
import { A2aAgentExecutor } from './a2a-agent.executor';
import { A2aCaller, attachCall } from './a2a-call';
import { isLegacyVersion, toAgentCard, toCardJson, toLegacyCardJson } from './a2a-card.mapper';
import type { A2aStore } from './a2a-store';
import { A2aTaskStore } from './a2a-task.store';
import { type JsonRpcErrorEnvelope, type RpcId, rpcIdOf, type SseItem } from './a2a-sse.format';
import { isJsonObject } from '../core/json-object';

/** What the controller writes: one JSON body, or an event stream. */
export type A2aReply =
  { status: number; body: unknown; headers: Record<string, string> } | { events: Observable<SseItem> };

/** The HTTP facts of one JSON-RPC request. */
export interface A2aRequest {
  agentId: string;
  body: unknown;
  headers: RequestHeaders;
  scope?: RequestContext;
  /** The API key's digest (`keyOwner`), owner of the conversations in the Responses store. */
  keyOwner?: string;
  /** Aborted when the client leaves before its answer. */
  disconnect: AbortSignal;
}

interface AgentHandlers {
  card: AgentCard;
  current: JsonRpcTransportHandler;
  legacy: LegacyJsonRpcTransportHandler;
}

type ErrorMapper = (error: unknown) => JsonRpcErrorEnvelope['error'];

/** What the A2A door is built from: the service's collaborators and settings. */
export interface A2aDeps {
  agents: AgentService;
  conversations: ResponsesService;
  store: A2aStore;
  /** API keys are on: a caller is its key. */
  keysOn: boolean;
  timeoutMs: number;
}

/**
 * The A2A door: agent cards, and JSON-RPC requests of both protocol generations dispatched through the SDK's own
 * handlers (1.0 by `A2A-Version: 1.0`, 0.3 otherwise) onto one `DefaultRequestHandler` per served agent.
 */
export class A2aHandlers {
  private readonly handlers = new Map<string, AgentHandlers>();
  private readonly agents: AgentService;
  private readonly executor: A2aAgentExecutor;
  private readonly taskStore: A2aTaskStore;
  private readonly keysOn: boolean;
  private readonly timeoutMs: number;

  constructor(deps: A2aDeps) {
    this.agents = deps.agents;
    const executor = new A2aAgentExecutor(deps.conversations, deps.store);
    this.executor = executor;
    this.taskStore = new A2aTaskStore(deps.store, (taskId) => void executor.cancelTask(taskId));
    this.keysOn = deps.keysOn;
    this.timeoutMs = deps.timeoutMs;
  }

  /** The card of `agentId` (default: the first served agent), in the form the client's version reads. */
  card(agentId: string | undefined, baseUrl: string, versionHeader: string | undefined): unknown {
    const id = agentId ?? this.agents.defaultModelId;
    const card = this.cardOf(id, `${baseUrl}/a2a/${encodeURIComponent(id)}`);
    return isLegacyVersion(versionHeader) ? toLegacyCardJson(card) : toCardJson(card);
  }

  async call(request: A2aRequest): Promise<A2aReply> {
    const handlers = this.handlersOf(request.agentId);
    const versionHeader = header(request.headers, 'a2a-version');
    const legacy = isLegacyVersion(versionHeader);
    const mapError: ErrorMapper = legacy
      ? (error) => LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError(error)
      : (error) => JsonRpcTransportHandler.mapToJSONRPCError(error);
    const id = rpcIdOf(request.body);
    try {
      const context = this.contextOf(request, versionHeader, legacy);
      validateVersion(context.requestedVersion, handlers.card, 'JSONRPC');
      const body = isJsonObject(request.body) ? request.body : JSON.stringify(request.body ?? null);
      const result = await (legacy ? handlers.legacy : handlers.current).handle(body, context);
      if (isAsyncGenerator(result)) {
        return await streamReply(result, id, mapError);
      }
      const extensions = context.activatedExtensions;
      const headers: Record<string, string> = extensions
        ? { [legacy ? 'x-a2a-extensions' : HTTP_EXTENSION_HEADER]: [...extensions].join(', ') }
        : {};
      return { status: 200, body: result, headers };
    } catch (error) {
      return errorReply(id, mapError(error));
    }
  }

  /** The SDK's call context, carrying what the executor and the task store need of this request. */
  private contextOf(request: A2aRequest, versionHeader: string | undefined, legacy: boolean): ServerCallContext {
    const context = defaultServerCallContextBuilder({
      extensions: Extensions.parseServiceParameter(
        header(request.headers, legacy ? 'x-a2a-extensions' : HTTP_EXTENSION_HEADER) ??
          header(request.headers, HTTP_EXTENSION_HEADER),
      ),
      // With keys on, the caller is its key (the guard checked it); an open server has one anonymous caller.
      user: new A2aCaller(this.keysOn ? (request.scope?.principal ?? '') : ''),
      headers: request.headers,
      requestedVersion: versionHeader || undefined,
    });
    attachCall(context, {
      agentId: request.agentId,
      owner: context.user?.userName ?? '',
      keyOwner: request.keyOwner,
      scope: request.scope,
      disconnect: request.disconnect,
      timeoutMs: this.timeoutMs,
    });
    return context;
  }

  /** The served agent's handlers; an unknown id is the plain 404 before anything else. */
  private handlersOf(agentId: string): AgentHandlers {
    let handlers = this.handlers.get(agentId);
    if (!handlers) {
      // The handler's card only needs its interfaces' versions (for validateVersion): its URL is not served.
      const card = this.cardOf(agentId, `/a2a/${encodeURIComponent(agentId)}`);
      const requestHandler = new DefaultRequestHandler(card, this.taskStore, this.executor);
      handlers = {
        card,
        current: new JsonRpcTransportHandler(requestHandler),
        legacy: new LegacyJsonRpcTransportHandler(requestHandler),
      };
      this.handlers.set(agentId, handlers);
    }
    return handlers;
  }

  private cardOf(agentId: string, endpoint: string): AgentCard {
    return toAgentCard({ agentId, agent: this.agents.agent(agentId), endpoint, bearer: this.keysOn });
  }
}

/**
 * A stream whose first event failed is a plain JSON-RPC error, not a 200 stream holding one error (as the SDK's own
 * Express handler does). After it, a failure is one `event: error` frame, then the end; unsubscribing (the client
 * left) closes the SDK's generator, which releases its event queue.
 */
async function streamReply(stream: AsyncGenerator<unknown>, id: RpcId, mapError: ErrorMapper): Promise<A2aReply> {
  let first: IteratorResult<unknown>;
  try {
    first = await stream.next();
  } catch (error) {
    return errorReply(id, mapError(error));
  }
  const events = new Observable<SseItem>((subscriber) => {
    let done = false;
    const pump = async () => {
      try {
        for (let result = first; !result.done; result = await stream.next()) {
          if (subscriber.closed) {
            return;
          }
          subscriber.next({ envelope: result.value });
        }
        done = true;
        subscriber.complete();
      } catch (error) {
        done = true;
        subscriber.next({ envelope: { jsonrpc: '2.0', id, error: mapError(error) }, error: true });
        subscriber.complete();
      }
    };
    void pump();
    return () => {
      if (!done) {
        stream.return(undefined).catch(() => undefined);
      }
    };
  });
  return { events };
}

/** As the SDK's Express handler answers: 500 for an internal error, 200 for any protocol error. */
function errorReply(id: RpcId, error: JsonRpcErrorEnvelope['error']): A2aReply {
  const status = error.code === A2A_ERROR_CODE.INTERNAL_ERROR ? 500 : 200;
  return { status, body: { jsonrpc: '2.0', id, error } satisfies JsonRpcErrorEnvelope, headers: {} };
}

function header(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

function isAsyncGenerator(value: unknown): value is AsyncGenerator<unknown> {
  return (
    isJsonObject(value) && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}
