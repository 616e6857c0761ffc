import { Injectable } from '@nestjs/common';
import { Observable, type OperatorFunction } from 'rxjs';
import { AgentService, type ChoiceEvent } from '../agent/agent.service';
import type { AgentStreamEvent } from '../core/chat-agent';
import { combineChoiceUsage } from '../core/usage';
import type { Usage } from '../core/types';
import type { ChatCompletion, ChatCompletionChunk, WireToolCallDelta } from '../openai/openai.types';
import type { RequestContext } from '../request-context/request-context';
import { ChunkFactory, completionId, legacyFinishReason, toChatCompletion } from './chat-completion-wire.mapper';
import { newToolCallId } from '../core/random-id';
import type { CompletionInput } from './completion-input';

/** Chat Completions on the one agent loop: the request becomes an agent call, the agent's events become chunks. */
@Injectable()
export class ChatCompletionsService {
  constructor(private readonly agents: AgentService) {}

  get defaultModelId(): string {
    return this.agents.defaultModelId;
  }

  async complete(input: CompletionInput, signal?: AbortSignal, scope?: RequestContext): Promise<ChatCompletion> {
    const created = Math.floor(Date.now() / 1000);
    const responses = await this.agents.run({ ...toCall(input), signal, scope });
    return toChatCompletion(
      completionId(),
      created,
      input.model,
      responses,
      combineChoiceUsage(responses.map((r) => r.usage)),
      input.legacyFunctions,
    );
  }

  /** The reply as stream chunks; an unknown model throws here, before any stream starts. */
  stream(input: CompletionInput, scope?: RequestContext): Observable<ChatCompletionChunk> {
    return this.agents.stream({ ...toCall(input), scope }).pipe(toChunks(input));
  }
}

function toCall(input: CompletionInput) {
  return { model: input.model, messages: input.messages, options: input.options, n: input.n };
}

/**
 * Agent events to chunks: the opening role delta of each choice (sent with its first event, not before: a backend
 * failing at once is still a plain HTTP error), a tool call's id, type and name on its first delta only. With
 * `include_usage`, the usage chunk ends the stream.
 */
function toChunks(input: CompletionInput): OperatorFunction<ChoiceEvent, ChatCompletionChunk> {
  return (events) =>
    new Observable<ChatCompletionChunk>((subscriber) => {
      const chunks = new ChunkFactory(input.model, input.includeUsage);
      const opened = new Set<number>();
      const usages: Usage[] = [];
      const onEvent = ({ choice, event }: ChoiceEvent): void => {
        if (!opened.has(choice)) {
          opened.add(choice);
          subscriber.next(chunks.choice(choice, { role: 'assistant', content: '' }));
        }
        switch (event.type) {
          case 'text':
            subscriber.next(chunks.choice(choice, { content: event.text }));
            return;
          case 'tool-call': {
            // The agent sends a call's id and name with its first delta only (AgentStreamEvent).
            const first = event.id !== undefined;
            const delta = input.legacyFunctions
              ? legacyDelta(event, first)
              : { tool_calls: [toolCallDelta(event, first)] };
            if (delta) {
              subscriber.next(chunks.choice(choice, delta));
            }
            return;
          }
          case 'tool-run':
            // The agent's own tools are not the client's to see (the SSE writer keeps the silence alive).
            return;
          case 'finish':
            usages.push(event.usage);
            subscriber.next(
              chunks.choice(
                choice,
                {},
                input.legacyFunctions ? legacyFinishReason(event.finishReason) : event.finishReason,
              ),
            );
            return;
        }
      };
      return events.subscribe({
        next: onEvent,
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (input.includeUsage) {
            subscriber.next(chunks.usage(combineChoiceUsage(usages)));
          }
          subscriber.complete();
        },
      });
    });
}

type ToolCallEvent = Extract<AgentStreamEvent, { type: 'tool-call' }>;

function toolCallDelta(event: ToolCallEvent, first: boolean): WireToolCallDelta {
  const args = event.arguments ?? '';
  return first
    ? {
        index: event.index,
        id: event.id ?? newToolCallId(),
        type: 'function',
        function: { name: event.name ?? '', arguments: args },
      }
    : { index: event.index, function: { arguments: args } };
}

/** The legacy `functions` reply: one call at most (the request asked for one); its first delta names it. */
function legacyDelta(
  event: ToolCallEvent,
  first: boolean,
): ChatCompletionChunk['choices'][number]['delta'] | undefined {
  if (event.index !== 0) {
    return undefined;
  }
  const args = event.arguments ?? '';
  return { function_call: first ? { name: event.name ?? '', arguments: args } : { arguments: args } };
}
