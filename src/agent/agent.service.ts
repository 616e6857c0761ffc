import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { SseComment } from '../common/sse/pipe-sse';
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
import { ChunkFactory, completionId, legacyFinishReason, toChatCompletion, toolCallId } from './completion-wire.mapper';
import { SERVED_AGENTS, type ServedAgents } from './served-agents';
import type { RequestContext } from '../request-context/request-context';
import { withRequestScope } from '../request-context/request-scope';

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
    this.resolve(id, undefined);
    return this.toWireModel(id);
  }

  get defaultModelId(): string {
    return this.agents.keys().next().value as string;
  }

  /**
   * `scope`: the HTTP request being served (its timeout, shutdown and what it reports to logs, metrics and limits);
   * absent when the service is used outside a request.
   */
  async complete(input: CompletionInput, signal?: AbortSignal, scope?: RequestContext): Promise<ChatCompletion> {
    const agent = this.resolve(input.model, scope);
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
      input.legacyFunctions,
    );
  }

  /**
   * The reply as OpenAI stream chunks. The model is resolved now, so an unknown model is a plain 404 before any
   * stream starts; unsubscribing (client gone) aborts the agent and the backend request behind it.
   */
  stream(input: CompletionInput, scope?: RequestContext): Observable<ChatCompletionChunk | SseComment> {
    const agent = this.resolve(input.model, scope);
    return new Observable<ChatCompletionChunk | SseComment>((subscriber) => {
      const abort = new AbortController();
      const chunks = new ChunkFactory(input.model, input.includeUsage);
      const usages: Usage[] = [];
      const keepAlives = new Set<NodeJS.Timeout>();

      const streamChoice = async (index: number): Promise<void> => {
        let opened = false;
        const startedCalls = new Set<number>();
        let keepAlive: NodeJS.Timeout | undefined;
        const stopKeepAlive = () => {
          clearInterval(keepAlive);
          keepAlives.delete(keepAlive!);
          keepAlive = undefined;
        };
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
              if (input.legacyFunctions) {
                // One call at most (the request asked the model for one); its first delta names the function.
                if (event.index === 0) {
                  subscriber.next(
                    chunks.choice(index, {
                      function_call: startedCalls.has(0)
                        ? { arguments: event.arguments ?? '' }
                        : { name: event.name ?? '', arguments: event.arguments ?? '' },
                    }),
                  );
                  startedCalls.add(0);
                }
                break;
              }
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
            case 'tool-run':
              // While the agent's own tools run the client hears nothing from the model: keep the stream alive.
              if (event.phase === 'start') {
                subscriber.next(new SseComment());
                keepAlive = setInterval(() => subscriber.next(new SseComment()), KEEP_ALIVE_INTERVAL_MS);
                keepAlives.add(keepAlive);
              } else {
                stopKeepAlive();
              }
              break;
            case 'finish':
              usages.push(event.usage);
              subscriber.next(
                chunks.choice(
                  index,
                  {},
                  input.legacyFunctions ? legacyFinishReason(event.finishReason) : event.finishReason,
                ),
              );
              break;
          }
        }
        stopKeepAlive();
      };

      // Set once every choice ended well: the teardown then has no work to abort (and skips an abort's cost).
      let completed = false;
      Promise.all(Array.from({ length: input.n }, (_, index) => streamChoice(index))).then(
        () => {
          completed = true;
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
      return () => {
        for (const timer of keepAlives) {
          clearInterval(timer);
        }
        if (!completed) {
          abort.abort();
        }
      };
    });
  }

  private resolve(model: string, scope: RequestContext | undefined): ChatAgent {
    const agent = this.agents.get(model);
    if (!agent) {
      throw ApiError.modelNotFound(model, [...this.agents.keys()]);
    }
    // Within an HTTP request: adds its timeout/shutdown signal and reports usage, first token and tool calls.
    return withRequestScope(agent, scope);
  }

  private toWireModel(id: string): WireModel {
    return { id, object: 'model', created: this.startedAt, owned_by: 'chat-agent-server' };
  }
}

/** How often an SSE comment goes out while the agent's own tools run (and once when they start). */
const KEEP_ALIVE_INTERVAL_MS = 5_000;

/** With `n` choices the prompt is read once, the completions add up (as OpenAI bills it). */
function combineUsage(usages: Usage[]): Usage {
  const prompt = Math.max(0, ...usages.map((u) => u.promptTokens));
  const completion = usages.reduce((sum, u) => sum + u.completionTokens, 0);
  return makeUsage(prompt, completion);
}
