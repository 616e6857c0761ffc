import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { ChatAgent } from '../core/chat-agent';
import { ApiError } from '../core/errors';
import { makeUsage } from '../core/tokens';
import type { Usage } from '../core/types';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  WireModel,
  WireModelList,
  WireToolCallDelta,
} from '../openai/openai.types';
import type { CompletionInput } from './completion-input';
import { ChunkFactory, completionId, toChatCompletion, toolCallId } from './completion-wire.mapper';
import { SERVED_AGENTS, type ServedAgents } from './served-agents';

/**
 * Serves chat completions from the configured agents. Every request runs the agent statelessly on the request's
 * own messages (`ChatAgent.run`), so concurrent conversations never see each other.
 */
@Injectable()
export class AgentService {
  private readonly startedAt = Math.floor(Date.now() / 1000);

  constructor(@Inject(SERVED_AGENTS) private readonly agents: ServedAgents) {}

  listModels(): WireModelList {
    return { object: 'list', data: [...this.agents.keys()].map((id) => this.toWireModel(id)) };
  }

  getModel(id: string): WireModel {
    this.resolve(id);
    return this.toWireModel(id);
  }

  get defaultModelId(): string {
    return this.agents.keys().next().value as string;
  }

  async complete(input: CompletionInput, signal?: AbortSignal): Promise<ChatCompletion> {
    const agent = this.resolve(input.model);
    const created = Math.floor(Date.now() / 1000);
    const responses = await Promise.all(
      Array.from({ length: input.n }, () => agent.run(input.messages, { ...input.options, signal })),
    );
    return toChatCompletion(
      completionId(),
      created,
      input.model,
      responses,
      combineUsage(responses.map((r) => r.usage)),
    );
  }

  /**
   * The reply as OpenAI stream chunks. The model is resolved now, so an unknown model is a plain 404 before any
   * stream starts; unsubscribing (client gone) aborts the agent and the backend request behind it.
   */
  stream(input: CompletionInput): Observable<ChatCompletionChunk> {
    const agent = this.resolve(input.model);
    return new Observable<ChatCompletionChunk>((subscriber) => {
      const abort = new AbortController();
      const chunks = new ChunkFactory(input.model, input.includeUsage);
      const usages: Usage[] = [];

      const streamChoice = async (index: number): Promise<void> => {
        let opened = false;
        const startedCalls = new Set<number>();
        for await (const event of agent.runStream(input.messages, { ...input.options, signal: abort.signal })) {
          if (!opened) {
            // Sent with the first backend event, not before: a backend failing at once is still a plain HTTP error.
            subscriber.next(chunks.choice(index, { role: 'assistant', content: '' }));
            opened = true;
          }
          switch (event.type) {
            case 'text':
              subscriber.next(chunks.choice(index, { content: event.text }));
              break;
            case 'tool-call': {
              let delta: WireToolCallDelta;
              if (startedCalls.has(event.index)) {
                delta = { index: event.index, function: { arguments: event.arguments ?? '' } };
              } else {
                startedCalls.add(event.index);
                delta = {
                  index: event.index,
                  id: event.id ?? toolCallId(),
                  type: 'function',
                  function: { name: event.name ?? '', arguments: event.arguments ?? '' },
                };
              }
              subscriber.next(chunks.choice(index, { tool_calls: [delta] }));
              break;
            }
            case 'finish':
              usages.push(event.usage);
              subscriber.next(chunks.choice(index, {}, event.finishReason));
              break;
          }
        }
      };

      Promise.all(Array.from({ length: input.n }, (_, index) => streamChoice(index))).then(
        () => {
          if (input.includeUsage) {
            subscriber.next(chunks.usage(combineUsage(usages)));
          }
          subscriber.complete();
        },
        (error: unknown) => {
          if (!abort.signal.aborted) {
            subscriber.error(error);
          }
        },
      );
      return () => abort.abort();
    });
  }

  private resolve(model: string): ChatAgent {
    const agent = this.agents.get(model);
    if (!agent) {
      throw ApiError.modelNotFound(model, [...this.agents.keys()]);
    }
    return agent;
  }

  private toWireModel(id: string): WireModel {
    return { id, object: 'model', created: this.startedAt, owned_by: 'chat-agent-server' };
  }
}

/** With `n` choices the prompt is read once, the completions add up (as OpenAI bills it). */
function combineUsage(usages: Usage[]): Usage {
  const prompt = Math.max(0, ...usages.map((u) => u.promptTokens));
  const completion = usages.reduce((sum, u) => sum + u.completionTokens, 0);
  return makeUsage(prompt, completion);
}
