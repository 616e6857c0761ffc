import { ApiError } from '../../errors';
import { newToolCallId } from '../../random-id';
import type { FinishReason, ModelResult, ModelStreamEvent, ToolCall, Usage } from '../../types';
import { badUpstreamResponse } from './upstream-error.mapper';
import { isJsonObject } from '../../json-object';

/**
 * Upstream answers, read leniently but surely: servers in the field omit `index`, send `arguments` as objects, skip
 * usage or answer `functions` with a legacy `function_call`; all of that is read. What is not a chat completion at
 * all (HTML, no `choices`, broken JSON) is an `upstream_bad_response`, never an empty success.
 */
type Json = Record<string, unknown>;

export function readCompletion(text: string): ModelResult {
  const completion = parseObject(text, 'its body is not JSON');
  const choices = completion.choices;
  if (!Array.isArray(choices) || choices.length === 0 || !isJsonObject(choices[0])) {
    throw badUpstreamResponse('a completion without choices');
  }
  const choice = choices[0];
  const message = isJsonObject(choice.message) ? choice.message : {};
  const toolCalls = readToolCalls(message);
  return {
    content: typeof message.content === 'string' ? message.content : toolCalls.length > 0 ? null : '',
    toolCalls,
    finishReason: toFinishReason(choice.finish_reason),
    usage: toUsage(completion.usage),
    // For the `chat` span's gen_ai.response.id / gen_ai.response.model; optional, as upstreams may omit them.
    responseId: optionalString(completion.id),
    responseModel: optionalString(completion.model),
  };
}

function readToolCalls(message: Json): ToolCall[] {
  const calls: ToolCall[] = [];
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls as unknown[]) {
      const fn = isJsonObject(call) && isJsonObject(call.function) ? call.function : undefined;
      if (isJsonObject(call) && fn && typeof fn.name === 'string' && fn.name) {
        const id = typeof call.id === 'string' && call.id ? call.id : newToolCallId();
        calls.push({ id, name: fn.name, arguments: stringifyArguments(fn.arguments) });
      }
    }
  }
  const legacy = message.function_call;
  if (calls.length === 0 && isJsonObject(legacy) && typeof legacy.name === 'string' && legacy.name) {
    calls.push({ id: newToolCallId(), name: legacy.name, arguments: stringifyArguments(legacy.arguments) });
  }
  return calls;
}

/**
 * The events of one streamed answer, fed chunk by chunk (the `data` of each SSE event). Synchronous, so no await per
 * event; `finish()` says how the stream ended.
 */
export class ChunkReader {
  private finishReason: FinishReason | undefined;
  private usage: Usage | undefined;
  private chunks = 0;
  /** The first chunk's id and model, for traces (gen_ai.response.id / gen_ai.response.model). */
  private responseId: string | undefined;
  private responseModel: string | undefined;
  /** Upstreams that omit `index` (Gemini-compat, old Ollama) get one assigned per new call id. */
  private readonly indexById = new Map<string, number>();

  /** The events in one `data` payload; throws on an error object or what is not a chunk. */
  read(data: string, events: ModelStreamEvent[]): void {
    const chunk = parseObject(data, 'a stream event is not JSON');
    if (chunk.error !== undefined && chunk.error !== null) {
      // Its text is the upstream's, and may echo anything: the client gets our words.
      throw new ApiError(502, 'The model backend failed in the middle of its answer.', {
        type: 'server_error',
        code: 'upstream_error',
      });
    }
    this.chunks++;
    this.usage = toUsage(chunk.usage) ?? this.usage;
    this.responseId ??= optionalString(chunk.id);
    this.responseModel ??= optionalString(chunk.model);
    const choice = Array.isArray(chunk.choices) && isJsonObject(chunk.choices[0]) ? chunk.choices[0] : undefined;
    if (!choice) {
      return;
    }
    const delta = isJsonObject(choice.delta) ? choice.delta : {};
    if (typeof delta.content === 'string' && delta.content.length > 0) {
      events.push({ type: 'text', text: delta.content });
    }
    if (Array.isArray(delta.tool_calls)) {
      delta.tool_calls.forEach((call, position) => isJsonObject(call) && this.toolCall(call, position, events));
    } else if (isJsonObject(delta.function_call)) {
      // The legacy `functions` answer: one call, index 0.
      this.toolCall({ index: 0, function: delta.function_call }, 0, events);
    }
    if (typeof choice.finish_reason === 'string') {
      this.finishReason = toFinishReason(choice.finish_reason);
    }
  }

  /**
   * The closing event. A body that ended with no chunk is no answer; one that ended without `[DONE]` and without a
   * finish reason was cut short, and is not passed off as complete.
   */
  finish(sawDone: boolean): ModelStreamEvent {
    if (this.chunks === 0) {
      throw badUpstreamResponse('a stream without any chunk');
    }
    if (!sawDone && this.finishReason === undefined) {
      throw badUpstreamResponse('a stream that ended before its answer was complete');
    }
    return {
      type: 'finish',
      finishReason: this.finishReason ?? 'stop',
      usage: this.usage,
      responseId: this.responseId,
      responseModel: this.responseModel,
    };
  }

  private toolCall(call: Json, position: number, events: ModelStreamEvent[]): void {
    const id = typeof call.id === 'string' && call.id ? call.id : undefined;
    let index = typeof call.index === 'number' ? call.index : undefined;
    if (index === undefined) {
      index = id ? (this.indexById.get(id) ?? this.indexById.size) : Math.max(this.indexById.size - 1, position);
    }
    if (id) {
      this.indexById.set(id, index);
    }
    const fn = isJsonObject(call.function) ? call.function : {};
    const args = fn.arguments;
    events.push({
      type: 'tool-call',
      index,
      id,
      name: typeof fn.name === 'string' && fn.name ? fn.name : undefined,
      arguments: args === undefined || args === null ? undefined : stringifyArguments(args),
    });
  }
}

function parseObject(text: string, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badUpstreamResponse(what);
  }
  if (!isJsonObject(value)) {
    throw badUpstreamResponse(what);
  }
  return value;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

function stringifyArguments(args: unknown): string {
  return typeof args === 'string' ? args : JSON.stringify(args ?? {});
}

function toFinishReason(reason: unknown): FinishReason {
  switch (reason) {
    case 'length':
    case 'tool_calls':
    case 'content_filter':
    case 'function_call':
      return reason;
    default:
      return 'stop';
  }
}

function toUsage(usage: unknown): Usage | undefined {
  if (!isJsonObject(usage) || typeof usage.prompt_tokens !== 'number') {
    return undefined;
  }
  const completion = typeof usage.completion_tokens === 'number' ? usage.completion_tokens : 0;
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: completion,
    totalTokens: usage.prompt_tokens + completion,
  };
}
