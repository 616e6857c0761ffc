import { Injectable } from '@nestjs/common';
import { Observable, type OperatorFunction } from 'rxjs';
import { AgentService, type ChoiceEvent } from '../agent/agent.service';
import type { AgentStreamEvent } from '../core/chat-agent';
import { makeUsage } from '../core/tokens';
import type { Usage } from '../core/types';
import type { ChatCompletion, ChatCompletionChunk, WireToolCallDelta } from '../openai/openai.types';
import type { RequestContext } from '../request-context/request-context';
import { ChunkFactory, completionId, legacyFinishReason, toChatCompletion } from './chat-completion-wire.mapper';
import { newToolCallId } from '../core/tools/tool-call-id';
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
      combineUsage(responses.map((r) => r.usage)),
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
 * Agent events to chunks, with the state OpenAI's stream needs per choice: the opening role delta (sent with the
 * first event, not before: a backend failing at once is still a plain HTTP error), and which tool calls have
 * started (their first delta carries id, type and name). With `include_usage`, the usage chunk ends the stream.
 */
function toChunks(input: CompletionInput): OperatorFunction<ChoiceEvent, ChatCompletionChunk> {
  return (events) =>
    new Observable<ChatCompletionChunk>((subscriber) => {
      const chunks = new ChunkFactory(input.model, input.includeUsage);
      const startedCalls = new Map<number, Set<number>>();
      const usages: Usage[] = [];
      const onEvent = ({ choice, event }: ChoiceEvent): void => {
        let started = startedCalls.get(choice);
        if (!started) {
          started = new Set();
          startedCalls.set(choice, started);
          subscriber.next(chunks.choice(choice, { role: 'assistant', content: '' }));
        }
        switch (event.type) {
          case 'text':
            subscriber.next(chunks.choice(choice, { content: event.text }));
            return;
          case 'tool-call': {
            const first = !started.has(event.index);
            started.add(event.index);
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
            subscriber.next(chunks.usage(combineUsage(usages)));
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

/** With `n` choices the prompt is read once, the completions add up (as OpenAI bills it). */
function combineUsage(usages: Usage[]): Usage {
  const prompt = Math.max(0, ...usages.map((u) => u.promptTokens));
  const completion = usages.reduce((sum, u) => sum + u.completionTokens, 0);
  return makeUsage(prompt, completion);
}
