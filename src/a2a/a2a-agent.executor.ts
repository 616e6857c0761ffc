import { TaskState } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutionEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { Logger } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { toErrorResponse } from '../common/errors/error-response';
import type { AgentStreamEvent } from '../core/chat-agent';
import { ApiError } from '../core/errors';
import type { ConversationRun, ConversationTurn } from '../responses/conversation-turn';
import type { ResponsesService } from '../responses/responses.service';
import { callOf, detachedScope, recordKey } from './a2a-call';
import { answerChunk, statusEvent, submittedTask, type TaskIds, toChatMessage } from './a2a-message.mapper';
import { A2A_TTL_MS, type A2aStore } from './a2a-store';

/** Why a run stopped before its end: CancelTask, or the client left a blocking send or a stream. */
class RunStopped extends Error {}

/**
 * Runs a served agent for one A2A task: the new message continues the context's conversation, kept in the Responses
 * API's store (`ResponsesService.converse`, with the HTTP request's scope: timeout, shutdown, usage), and the agent's
 * events come back as the task's lifecycle (submitted, working, the answer streamed into one artifact, then
 * completed, failed or canceled).
 */
export class A2aAgentExecutor implements AgentExecutor {
  private readonly logger = new Logger('A2A');
  /** The runs on this replica, by task id, so CancelTask can stop them. */
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly conversations: ResponsesService,
    private readonly store: A2aStore,
  ) {}

  readonly execute = async (request: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const call = callOf(request.context);
    const ids: TaskIds = { taskId: request.taskId, contextId: request.contextId };
    bus.publish(request.task ? AgentEvent.task(request.task) : submittedTask(ids, request.userMessage));
    bus.publish(statusEvent(ids, TaskState.TASK_STATE_WORKING));

    const stop = new AbortController();
    this.running.set(ids.taskId, stop);
    // A client that asked to wait (a blocking send, a stream) and left no longer wants the answer; one that asked for
    // the task at once comes back for it later.
    const waits = request.request.configuration?.returnImmediately !== true;
    const onLeave = () => stop.abort();
    if (waits) {
      call.disconnect?.addEventListener('abort', onLeave, { once: true });
    }
    const scope = waits ? call.scope : detachedScope(call);
    try {
      const contextKey = recordKey(call, ids.contextId);
      const run = await this.converse({
        model: call.agentId,
        message: toChatMessage(request.userMessage).content ?? '',
        conversationId: await this.store.conversationOf(contextKey),
        owner: call.keyOwner,
        scope,
      });
      await this.answer(run.events$, ids, bus, stop.signal);
      // The turn is stored once the events complete; the context moves on before the task completes, so a next
      // message sent on completion already sees this turn.
      await this.store.setConversation(contextKey, run.conversationId, A2A_TTL_MS);
      bus.publish(statusEvent(ids, TaskState.TASK_STATE_COMPLETED));
    } catch (error) {
      bus.publish(this.ended(ids, error));
    } finally {
      this.running.delete(ids.taskId);
      call.disconnect?.removeEventListener('abort', onLeave);
      if (!waits) {
        scope?.end();
      }
    }
  };

  readonly cancelTask = (taskId: string): Promise<void> => {
    // The run publishes its own final `canceled` status when it stops.
    this.running.get(taskId)?.abort();
    return Promise.resolve();
  };

  /** The context's conversation continued, or a new one where the stored conversation expired meanwhile. */
  private async converse(turn: ConversationTurn): Promise<ConversationRun> {
    try {
      return await this.conversations.converse(turn);
    } catch (error) {
      if (turn.conversationId && error instanceof ApiError && error.status === 404) {
        return this.conversations.converse({ ...turn, conversationId: undefined });
      }
      throw error;
    }
  }

  /** Streams the agent's text into the answer artifact; resolves once the turn is stored. */
  private answer(
    events$: Observable<AgentStreamEvent>,
    ids: TaskIds,
    bus: ExecutionEventBus,
    signal: AbortSignal,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // One chunk is held back, so the last one can say it is the last.
      let held: string | undefined;
      let first = true;
      const publish = (chunk: string, last: boolean) => {
        bus.publish(answerChunk(ids, chunk, first, last));
        first = false;
      };
      const onStop = () => {
        subscription.unsubscribe();
        reject(new RunStopped());
      };
      const subscription = events$.subscribe({
        next: (event) => {
          if (event.type === 'text') {
            if (held !== undefined) {
              publish(held, false);
            }
            held = event.text;
          } else if (event.type === 'tool-run' && event.phase === 'start') {
            const names = event.calls.map((toolCall) => toolCall.name).join(', ');
            bus.publish(statusEvent(ids, TaskState.TASK_STATE_WORKING, `Running ${names}.`));
          }
        },
        error: (error: unknown) => {
          signal.removeEventListener('abort', onStop);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
        complete: () => {
          signal.removeEventListener('abort', onStop);
          publish(held ?? '', true);
          resolve();
        },
      });
      if (signal.aborted) {
        onStop();
      } else {
        signal.addEventListener('abort', onStop, { once: true });
      }
    });
  }

  private ended(ids: TaskIds, error: unknown): AgentExecutionEvent {
    if (error instanceof RunStopped) {
      return statusEvent(ids, TaskState.TASK_STATE_CANCELED, 'The task was canceled.');
    }
    const response = toErrorResponse(error);
    if (response.unexpected) {
      this.logger.error({ err: error, taskId: ids.taskId }, 'A2A task failed');
    }
    return statusEvent(ids, TaskState.TASK_STATE_FAILED, response.body.error.message);
  }
}
