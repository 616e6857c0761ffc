import { type BaseEvent, EventType } from '@ag-ui/core';
import type { AgentStreamEvent } from '../core/chat-agent';
import { randomId } from '../core/random-id';
import { addUsage } from '../core/usage';
import { newToolCallId } from '../core/random-id';
import type { Usage } from '../core/types';
import type { ErrorResponse } from '../common/errors/error-response';

/**
 * The agent's events of one run as AG-UI events. Each model turn is one assistant message: its text, then its tool
 * calls with that message as parent, so a front end's history (and the ids in it) matches what the model said and
 * the mixed-turn store can find the turn again. The agent's own calls are shown whole when they start running and
 * get their TOOL_CALL_RESULT when they ran; the front end's calls stream as the model writes them and stay pending.
 */
export class AgUiEventMapper {
  private messageId?: string;
  private textOpen = false;
  /** The front end's calls of this turn, by the model's index: their id, and whether their END went out. */
  private readonly clientCalls = new Map<number, { id: string; ended: boolean }>();
  private readonly pendingToolCallIds: string[] = [];
  private usage?: Usage;

  constructor(
    private readonly threadId: string,
    private readonly runId: string,
  ) {}

  runStarted(): BaseEvent {
    return event(EventType.RUN_STARTED, { threadId: this.threadId, runId: this.runId });
  }

  map(agentEvent: AgentStreamEvent): BaseEvent[] {
    switch (agentEvent.type) {
      case 'text':
        return this.text(agentEvent.text);
      case 'tool-call':
        return this.clientCall(agentEvent);
      case 'tool-run':
        return agentEvent.phase === 'start' ? this.ownCallsStarted(agentEvent.calls) : this.ownCallsEnded(agentEvent);
      case 'finish':
        this.usage = this.usage ? addUsage(this.usage, agentEvent.usage) : agentEvent.usage;
        return this.endTurn();
    }
  }

  /** The run ended well: the front end's calls, if any, are pending for it to run. */
  runFinished(): BaseEvent[] {
    const usage = this.usage;
    return [
      ...this.endTurn(),
      event(EventType.RUN_FINISHED, {
        threadId: this.threadId,
        runId: this.runId,
        outcome:
          this.pendingToolCallIds.length > 0
            ? { type: 'success', pendingToolCallIds: [...this.pendingToolCallIds] }
            : { type: 'success' },
        ...(usage
          ? {
              usage: [
                {
                  inputTokens: usage.promptTokens,
                  outputTokens: usage.completionTokens,
                  totalTokens: usage.totalTokens,
                },
              ],
            }
          : {}),
      }),
    ];
  }

  /** A failure after the stream started: AG-UI's own error event ends the run (no open message is closed). */
  runError(response: ErrorResponse): BaseEvent {
    const { message, code, type } = response.body.error;
    return event(EventType.RUN_ERROR, { message, code: code ?? type });
  }

  private get turnMessageId(): string {
    this.messageId ??= `msg_${randomId(24)}`;
    return this.messageId;
  }

  private text(delta: string): BaseEvent[] {
    if (!delta) {
      return [];
    }
    const events: BaseEvent[] = [];
    if (!this.textOpen) {
      this.textOpen = true;
      events.push(event(EventType.TEXT_MESSAGE_START, { messageId: this.turnMessageId, role: 'assistant' }));
    }
    events.push(event(EventType.TEXT_MESSAGE_CONTENT, { messageId: this.turnMessageId, delta }));
    return events;
  }

  private clientCall(delta: Extract<AgentStreamEvent, { type: 'tool-call' }>): BaseEvent[] {
    const events = this.closeText();
    let call = this.clientCalls.get(delta.index);
    if (!call) {
      call = { id: delta.id ?? newToolCallId(), ended: false };
      this.clientCalls.set(delta.index, call);
      this.pendingToolCallIds.push(call.id);
      events.push(
        event(EventType.TOOL_CALL_START, {
          toolCallId: call.id,
          toolCallName: delta.name ?? '',
          parentMessageId: this.turnMessageId,
        }),
      );
    }
    if (delta.arguments) {
      events.push(event(EventType.TOOL_CALL_ARGS, { toolCallId: call.id, delta: delta.arguments }));
    }
    return events;
  }

  private ownCallsStarted(calls: Array<{ id: string; name: string; arguments: string }>): BaseEvent[] {
    const events = [...this.closeText(), ...this.endClientCalls()];
    for (const call of calls) {
      events.push(
        event(EventType.TOOL_CALL_START, {
          toolCallId: call.id,
          toolCallName: call.name,
          parentMessageId: this.turnMessageId,
        }),
      );
      if (call.arguments) {
        events.push(event(EventType.TOOL_CALL_ARGS, { toolCallId: call.id, delta: call.arguments }));
      }
      events.push(event(EventType.TOOL_CALL_END, { toolCallId: call.id }));
    }
    return events;
  }

  private ownCallsEnded(end: Extract<AgentStreamEvent, { type: 'tool-run'; phase: 'end' }>): BaseEvent[] {
    const events = end.results.map((result) =>
      event(EventType.TOOL_CALL_RESULT, {
        messageId: `msg_${randomId(24)}`,
        toolCallId: result.call.id,
        content: result.outcome.content,
        role: 'tool',
        ...(result.outcome.isError ? { metadata: { isError: true } } : {}),
      }),
    );
    // The model's next turn is a new assistant message.
    this.messageId = undefined;
    this.clientCalls.clear();
    return events;
  }

  private endTurn(): BaseEvent[] {
    return [...this.closeText(), ...this.endClientCalls()];
  }

  private closeText(): BaseEvent[] {
    if (!this.textOpen) {
      return [];
    }
    this.textOpen = false;
    return [event(EventType.TEXT_MESSAGE_END, { messageId: this.turnMessageId })];
  }

  private endClientCalls(): BaseEvent[] {
    const events: BaseEvent[] = [];
    for (const call of this.clientCalls.values()) {
      if (!call.ended) {
        call.ended = true;
        events.push(event(EventType.TOOL_CALL_END, { toolCallId: call.id }));
      }
    }
    return events;
  }
}

function event(type: EventType, fields: Record<string, unknown>): BaseEvent {
  return { type, ...fields };
}
