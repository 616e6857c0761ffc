import type {
  ChatModelFunctions,
  ChatWrapper,
  GbnfJsonSchema,
  LlamaContextSequence,
  LlamaModel,
} from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { AbortedError, ApiError, isAbortError } from '../../errors';
import { newToolCallId } from '../../random-id';
import type { FinishReason, ModelRequest, ModelStreamEvent } from '../../types';
import { makeUsage } from '../../usage';
import { toChatHistory } from './chat-history.mapper';
import type { EventChannel } from './event-channel';
import { grammarFor } from './llama-grammar';
import type { LlamaRuntime } from './llama-runtime';
import type { NodeLlamaCpp } from './node-llama-cpp.loader';

/** One generation on a held context sequence, reported as model stream events into `events`. */
export async function generateOn(
  runtime: LlamaRuntime,
  sequence: LlamaContextSequence,
  request: ModelRequest,
  signal: AbortSignal,
  events: EventChannel<ModelStreamEvent>,
  defaultTemperature: number | undefined,
): Promise<void> {
  const { lib } = runtime;
  const history = toChatHistory(request.messages);
  const { functions, mustCall } = functionsFor(request);
  const chatWrapper = mustCall ? forceFunctionCall(lib, runtime.chatWrapper) : runtime.chatWrapper;
  const grammar = functions ? undefined : await grammarFor(runtime, request);
  const promptTokens = chatWrapper
    .generateContextState({ chatHistory: history, availableFunctions: functions })
    .contextText.tokenize(runtime.model.tokenizer).length;
  const room = sequence.contextSize - promptTokens;
  if (room <= 0) {
    throw ApiError.invalidRequest(
      `The conversation is ${promptTokens} tokens long; this model's context holds ${sequence.contextSize}.`,
      'messages',
      'context_length_exceeded',
    );
  }
  const outputBefore = sequence.tokenMeter.usedOutputTokens;
  const reply = new ReplyEvents(events, grammar !== undefined);
  const chat = new lib.LlamaChat({ contextSequence: sequence, chatWrapper });
  try {
    const common = {
      ...samplingOptions(lib, runtime.model, request, defaultTemperature),
      signal,
      maxTokens: Math.min(request.maxTokens ?? room, room),
      onTextChunk: reply.onText,
    };
    const response = functions
      ? await chat.generateResponse(history, {
          ...common,
          functions,
          maxParallelFunctionCalls: request.parallelToolCalls === false ? 1 : undefined,
          onFunctionCallParamsChunk: reply.onCallParams,
        })
      : await chat.generateResponse(history, { ...common, grammar });
    reply.wholeCalls(response.functionCalls ?? []);
    if (signal.aborted || response.metadata.stopReason === 'abort') {
      throw new AbortedError();
    }
    const completionTokens = Math.max(sequence.tokenMeter.usedOutputTokens - outputBefore, 1);
    // Cut by the token limit is `length` even mid-call (the last call's arguments may be incomplete).
    const finishReason: FinishReason =
      response.metadata.stopReason === 'maxTokens' ? 'length' : reply.callCount > 0 ? 'tool_calls' : 'stop';
    events.push({ type: 'finish', finishReason, usage: makeUsage(promptTokens, completionTokens) });
  } catch (error) {
    throw signal.aborted || isAbortError(error) ? new AbortedError() : error;
  } finally {
    chat.dispose({ disposeSequence: false });
  }
}

/** The request's tools as node-llama-cpp functions; `mustCall` when the choice forces a call. */
function functionsFor(request: ModelRequest): { functions?: ChatModelFunctions; mustCall: boolean } {
  const tools = request.toolChoice === 'none' ? [] : (request.tools ?? []);
  const choice = request.toolChoice;
  const named = typeof choice === 'object' ? choice.name : undefined;
  if (named && !tools.some((tool) => tool.name === named)) {
    throw ApiError.invalidRequest(`tool_choice names '${named}', which is not among the tools.`, 'tool_choice');
  }
  if (tools.length === 0) {
    return { mustCall: false };
  }
  const functions: ChatModelFunctions = Object.fromEntries(
    tools
      .filter((tool) => !named || tool.name === named)
      .map((tool) => [
        tool.name,
        { description: tool.description, params: tool.parameters as GbnfJsonSchema | undefined },
      ]),
  );
  return { functions, mustCall: choice === 'required' || named !== undefined };
}

function samplingOptions(
  lib: NodeLlamaCpp,
  model: LlamaModel,
  request: ModelRequest,
  defaultTemperature: number | undefined,
) {
  return {
    temperature: request.temperature ?? defaultTemperature ?? 0.8,
    topP: request.topP,
    seed: request.seed,
    customStopTriggers: request.stop && request.stop.length > 0 ? request.stop : undefined,
    tokenBias: request.logitBias ? toTokenBias(lib, model, request.logitBias) : undefined,
    repeatPenalty:
      request.presencePenalty || request.frequencyPenalty
        ? { presencePenalty: request.presencePenalty, frequencyPenalty: request.frequencyPenalty }
        : undefined,
  };
}

/**
 * node-llama-cpp's callbacks as stream events. A grammar's JSON ends in padding newlines, and so do a call's
 * arguments: whitespace is held back until more text follows, and dropped at the end (node-llama-cpp's
 * trimWhitespaceSuffix does the same by delaying every chunk by a token).
 */
class ReplyEvents {
  private heldWhitespace = '';
  private readonly callIds = new Map<number, string>();
  private readonly pendingWhitespace = new Map<number, string>();

  constructor(
    private readonly events: EventChannel<ModelStreamEvent>,
    private readonly trimText: boolean,
  ) {}

  get callCount(): number {
    return this.callIds.size;
  }

  readonly onText = (chunk: string): void => {
    const text = this.trimText ? this.heldWhitespace + chunk : chunk;
    const emitted = this.trimText ? text.trimEnd() : text;
    this.heldWhitespace = text.slice(emitted.length);
    if (emitted.length > 0) {
      this.events.push({ type: 'text', text: emitted });
    }
  };

  readonly onCallParams = (chunk: { callIndex: number; functionName: string; paramsChunk: string }): void => {
    const index = chunk.callIndex;
    if (!this.callIds.has(index)) {
      const id = newToolCallId();
      this.callIds.set(index, id);
      this.events.push({ type: 'tool-call', index, id, name: chunk.functionName, arguments: '' });
    }
    const text = (this.pendingWhitespace.get(index) ?? '') + chunk.paramsChunk;
    const trimmed = text.trimEnd();
    this.pendingWhitespace.set(index, text.slice(trimmed.length));
    if (trimmed.length > 0) {
      this.events.push({ type: 'tool-call', index, arguments: trimmed });
    }
  };

  /** Calls without streamed parameters (functions that take none) are reported whole. */
  wholeCalls(calls: ReadonlyArray<{ functionName: string; params?: unknown }>): void {
    for (const [index, call] of calls.entries()) {
      if (!this.callIds.has(index)) {
        const id = newToolCallId();
        this.callIds.set(index, id);
        const args = JSON.stringify(call.params ?? {});
        this.events.push({ type: 'tool-call', index, id, name: call.functionName, arguments: args });
      }
    }
  }
}

/**
 * `tool_choice` "required" or a named function: the wrapper tells node-llama-cpp to enter function-calling mode
 * right away (the model then writes the call syntax's prefix without choosing to), so a call is guaranteed; the
 * grammar for the available functions writes the name and arguments.
 */
function forceFunctionCall(lib: NodeLlamaCpp, wrapper: ChatWrapper): ChatWrapper {
  return new Proxy(wrapper, {
    get(target, property) {
      if (property === 'generateContextState') {
        return (options: Parameters<ChatWrapper['generateContextState']>[0]) => {
          const state = target.generateContextState(options);
          return {
            contextText: state.contextText,
            stopGenerationTriggers: state.stopGenerationTriggers,
            noPrefixTrigger: { type: 'functionCall', inject: lib.LlamaText([]) },
          };
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** OpenAI's `logit_bias` (token id → -100..100) as a llama.cpp token bias; -100 bans the token. */
function toTokenBias(lib: NodeLlamaCpp, model: LlamaModel, logitBias: Record<string, number>) {
  const bias = new lib.TokenBias(model.tokenizer);
  for (const [token, value] of Object.entries(logitBias)) {
    const id = Number(token);
    if (Number.isInteger(id) && id >= 0) {
      bias.set(id as never, value <= -100 ? 'never' : { logit: value });
    }
  }
  return bias;
}
