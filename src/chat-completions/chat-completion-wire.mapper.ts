import { randomId } from '../core/random-id';
import type { AgentResponse } from '../core/chat-agent';
import { newToolCallId } from '../core/random-id';
import type { Usage } from '../core/types';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  WireAssistantMessage,
  WireFinishReason,
  WireUsage,
} from '../openai/openai.types';

export function completionId(): string {
  return `chatcmpl-${randomId(12)}`;
}

export function toWireUsage(usage: Usage): WireUsage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
  };
}

export function toChatCompletion(
  id: string,
  created: number,
  model: string,
  responses: AgentResponse[],
  usage: Usage,
  /** Reply in the legacy `functions` shape: one `function_call`, finish reason `function_call`. */
  legacyFunctions = false,
): ChatCompletion {
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: responses.map((response, index) => {
      const message: WireAssistantMessage = {
        role: 'assistant',
        content: typeof response.message.content === 'string' ? response.message.content : null,
        refusal: null,
      };
      const calls = response.message.toolCalls ?? [];
      if (legacyFunctions && calls.length > 0) {
        message.function_call = { name: calls[0].name, arguments: calls[0].arguments };
        return { index, message, finish_reason: legacyFinishReason(response.finishReason), logprobs: null };
      }
      if (calls.length > 0) {
        message.tool_calls = calls.map((call) => ({
          id: call.id || newToolCallId(),
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }));
      }
      return { index, message, finish_reason: response.finishReason, logprobs: null };
    }),
    usage: toWireUsage(usage),
  };
}

/** The legacy reply finishes with `function_call` where the tools reply finishes with `tool_calls`. */
export function legacyFinishReason(reason: WireFinishReason): WireFinishReason {
  return reason === 'tool_calls' ? 'function_call' : reason;
}

/** Builds the chunks of one stream: the same `id`, `created` and `model` on every chunk. */
export class ChunkFactory {
  readonly id = completionId();
  readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly model: string,
    /** With `include_usage`, every chunk carries `usage: null` and the last one the totals, as OpenAI does. */
    private readonly includeUsage: boolean,
  ) {}

  choice(
    index: number,
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finishReason: ChatCompletionChunk['choices'][number]['finish_reason'] = null,
  ): ChatCompletionChunk {
    return this.chunk([{ index, delta, finish_reason: finishReason, logprobs: null }]);
  }

  usage(usage: Usage): ChatCompletionChunk {
    return { ...this.chunk([]), usage: toWireUsage(usage) };
  }

  private chunk(choices: ChatCompletionChunk['choices']): ChatCompletionChunk {
    const chunk: ChatCompletionChunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices,
    };
    if (this.includeUsage) {
      chunk.usage = null;
    }
    return chunk;
  }
}
