import { AbortedError } from '../errors';
import type { ModelBackend } from '../model-backend';
import { collectModelResult } from '../reply-accumulator';
import { contentText, countPromptTokens, countTextTokens, splitTokens } from '../tokens';
import { makeUsage } from '../usage';
import type { CallOptions, FinishReason, ModelRequest, ModelResult, ModelStreamEvent, ToolCall } from '../types';

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** An object is serialized to a JSON string, as the wire requires. */
  arguments: string | Record<string, unknown>;
}

export type ScriptedReply =
  string | { content?: string; toolCalls?: ScriptedToolCall[]; finishReason?: FinishReason; error?: Error };

export type ScriptedResponder = (request: ModelRequest, callIndex: number) => ScriptedReply | Promise<ScriptedReply>;

export interface ScriptedModelOptions {
  /** Replies in turn (the last one repeats), or a function of the request. Default: echo the last user message. */
  replies?: ScriptedReply[] | ScriptedResponder;
  /** Pause between streamed tokens, to test pacing, disconnects and timeouts. */
  tokenDelayMs?: number;
  modelName?: string;
}

/**
 * A deterministic backend for tests and demos: it answers from a script, streams the reply token by token, honours
 * `maxTokens` (finish `length`), `stop` and the abort signal, and counts usage with the same token splitter.
 */
export class ScriptedModel implements ModelBackend {
  readonly modelName: string;
  readonly providerName = 'scripted';
  /** Every request this backend received, in order (for assertions). */
  readonly requests: ModelRequest[] = [];
  private calls = 0;

  constructor(private readonly options: ScriptedModelOptions = {}) {
    this.modelName = options.modelName ?? 'scripted';
  }

  generate(request: ModelRequest, options: CallOptions = {}): Promise<ModelResult> {
    return collectModelResult(this.stream(request, options));
  }

  async *stream(request: ModelRequest, options: CallOptions = {}): AsyncGenerator<ModelStreamEvent> {
    const signal = options.signal;
    this.requests.push(structuredClone(request));
    const reply = normalizeReply(await this.nextReply(request));
    if (reply.error) {
      throw reply.error;
    }
    const promptTokens = countPromptTokens(request.messages);
    let tokens = splitTokens(reply.content ?? '');
    let finishReason: FinishReason = reply.finishReason ?? (reply.toolCalls.length > 0 ? 'tool_calls' : 'stop');

    const stopAt = firstStop(reply.content ?? '', request.stop);
    if (stopAt !== undefined) {
      tokens = splitTokens((reply.content ?? '').slice(0, stopAt));
      finishReason = 'stop';
    }
    if (request.maxTokens !== undefined && tokens.length >= request.maxTokens) {
      finishReason = tokens.length > request.maxTokens || reply.toolCalls.length > 0 ? 'length' : finishReason;
      tokens = tokens.slice(0, request.maxTokens);
    }

    let completionTokens = 0;
    for (const token of tokens) {
      await this.pause(signal);
      completionTokens++;
      yield { type: 'text', text: token };
    }
    if (finishReason !== 'length') {
      for (const [index, call] of reply.toolCalls.entries()) {
        await this.pause(signal);
        const half = Math.ceil(call.arguments.length / 2);
        // Split the arguments across deltas, as real upstreams do, so clients' accumulators are exercised.
        yield { type: 'tool-call', index, id: call.id, name: call.name, arguments: '' };
        yield { type: 'tool-call', index, arguments: call.arguments.slice(0, half) };
        yield { type: 'tool-call', index, arguments: call.arguments.slice(half) };
        completionTokens += countTextTokens(call.name) + countTextTokens(call.arguments);
      }
    }
    yield {
      type: 'finish',
      finishReason,
      usage: makeUsage(promptTokens, Math.max(completionTokens, 1)),
    };
  }

  private async nextReply(request: ModelRequest): Promise<ScriptedReply> {
    const index = this.calls++;
    const replies = this.options.replies;
    if (typeof replies === 'function') {
      return replies(request, index);
    }
    if (replies && replies.length > 0) {
      return replies[Math.min(index, replies.length - 1)];
    }
    const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
    return `You said: ${lastUser ? contentText(lastUser.content) : ''}`;
  }

  private async pause(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) {
      throw new AbortedError();
    }
    const delay = this.options.tokenDelayMs ?? 0;
    if (delay <= 0) {
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new AbortedError());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, delay);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

interface NormalizedReply {
  content?: string;
  toolCalls: ToolCall[];
  finishReason?: FinishReason;
  error?: Error;
}

let scriptedCallCounter = 0;

function normalizeReply(reply: ScriptedReply): NormalizedReply {
  if (typeof reply === 'string') {
    return { content: reply, toolCalls: [] };
  }
  return {
    ...reply,
    toolCalls: (reply.toolCalls ?? []).map((call) => ({
      id: call.id ?? `call_scripted_${++scriptedCallCounter}`,
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    })),
  };
}

function firstStop(text: string, stop: string[] | undefined): number | undefined {
  const positions = (stop ?? []).map((s) => text.indexOf(s)).filter((i) => i >= 0);
  return positions.length > 0 ? Math.min(...positions) : undefined;
}
