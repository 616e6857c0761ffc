import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { linkSignals, untilAborted } from '../common/async/linked-signal';
import type { AgentResponse, AgentStreamEvent, ChatAgent, RunOptions } from '../core/chat-agent';
import { ApiError } from '../core/errors';
import type { ChatMessage } from '../core/types';
import type { WireModel, WireModelList } from '../openai/openai.types';
import type { RequestContext } from '../request-context/request-context';
import { SERVED_AGENTS, type ServedAgents } from './served-agents';

/** One run of a served agent, as every protocol's boundary hands it over. */
export interface AgentCall {
  /** The served agent id (the `model` clients name). */
  model: string;
  /** The whole conversation of this request; the agent adds its own template. */
  messages: ChatMessage[];
  options?: Omit<RunOptions, 'signal'>;
  /** Independent runs of the same conversation (chat completions' `n`); default 1. */
  n?: number;
  /** The client's disconnect (non-streamed calls; a stream is cancelled by unsubscribing). */
  signal?: AbortSignal;
  /**
   * The HTTP request being served: its timeout and shutdown abort the run (with its 504 / 503), and it hears the
   * usage, first token and tool calls. Absent outside a request.
   */
  scope?: RequestContext;
}

/** One event of one of the call's `n` runs. */
export interface ChoiceEvent {
  choice: number;
  event: AgentStreamEvent;
}

/**
 * The served agents, run for any protocol. Every run is stateless on the call's own messages (`ChatAgent.run`), so
 * concurrent conversations never see each other; the request scope is applied here, once.
 */
@Injectable()
export class AgentService {
  private readonly startedAt = Math.floor(Date.now() / 1000);

  constructor(@Inject(SERVED_AGENTS) private readonly agents: ServedAgents) {}

  listModels(): WireModelList {
    return { object: 'list', data: [...this.agents.keys()].map((id) => this.toWireModel(id)) };
  }

  getModel(id: string): WireModel {
    this.agent(id);
    return this.toWireModel(id);
  }

  get defaultModelId(): string {
    return this.agents.keys().next().value as string;
  }

  /** The served agent, or the 404 OpenAI answers for an unknown model. */
  agent(model: string): ChatAgent {
    const agent = this.agents.get(model);
    if (!agent) {
      throw ApiError.modelNotFound(model, [...this.agents.keys()]);
    }
    return agent;
  }

  /** The call's `n` answers, in order. */
  async run(call: AgentCall): Promise<AgentResponse[]> {
    const agent = this.agent(call.model);
    const scope = call.scope;
    scope?.startDeadline();
    const link = linkSignals(call.signal, scope?.signal);
    const runs = Array.from({ length: call.n ?? 1 }, () =>
      agent.run(call.messages, { ...call.options, signal: link.signal }),
    );
    try {
      const responses = await (scope ? untilAborted(Promise.all(runs), scope.signal) : Promise.all(runs));
      for (const response of responses) {
        scope?.observeResponse(response);
      }
      return responses;
    } catch (error) {
      throw scope ? scope.failure(error, call.signal) : error;
    } finally {
      link.dispose();
    }
  }

  /**
   * The events of the call's `n` runs as they happen. The agent is resolved now, so an unknown model is a plain 404
   * before any stream starts; unsubscribing (the client left) aborts the runs and the backend requests behind them.
   * The server's own aborts (timeout, shutdown) end the stream at once with their error, even when a backend ignores
   * its signal.
   */
  stream(call: AgentCall): Observable<ChoiceEvent> {
    const agent = this.agent(call.model);
    const scope = call.scope;
    return new Observable<ChoiceEvent>((subscriber) => {
      scope?.startDeadline();
      if (scope) {
        scope.streamed = true;
      }
      const abort = new AbortController();
      const onServerAbort = () => {
        abort.abort(scope?.signal.reason);
        subscriber.error(scope?.signal.reason);
      };
      scope?.signal.addEventListener('abort', onServerAbort, { once: true });
      let settled = false;
      const runChoice = async (choice: number): Promise<void> => {
        for await (const event of agent.runStream(call.messages, { ...call.options, signal: abort.signal })) {
          if (subscriber.closed) {
            break;
          }
          scope?.observe(event);
          subscriber.next({ choice, event });
        }
      };
      Promise.all(Array.from({ length: call.n ?? 1 }, (_, choice) => runChoice(choice))).then(
        () => {
          settled = true;
          subscriber.complete();
        },
        (error: unknown) => {
          // Not settled: the teardown that follows aborts the other runs.
          if (!subscriber.closed) {
            subscriber.error(scope ? scope.failure(error) : error);
          }
        },
      );
      return () => {
        scope?.signal.removeEventListener('abort', onServerAbort);
        // Nothing to cancel once every run ended (and an abort has a cost).
        if (!settled) {
          abort.abort();
        }
      };
    });
  }

  private toWireModel(id: string): WireModel {
    return { id, object: 'model', created: this.startedAt, owned_by: 'chat-agent-server' };
  }
}
