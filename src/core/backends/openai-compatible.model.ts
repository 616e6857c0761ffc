import OpenAI from 'openai';
import { AbortedError, ApiError } from '../errors';
import type { ModelBackend } from '../model-backend';
import { createKeepAliveFetch } from './keep-alive-fetch';
import { SseDecoder } from './sse-decoder';
import type {
  CallOptions,
  ChatMessage,
  ContentPart,
  FinishReason,
  ModelRequest,
  ModelResult,
  ModelStreamEvent,
  ToolCall,
  Usage,
} from '../types';
import type { WireContentPart, WireMessage, WireTool, WireToolChoice } from '../../openai/openai.types';

export interface OpenAICompatibleModelOptions {
  /** The upstream's model name. */
  model: string;
  /** e.g. `http://localhost:11434/v1` for Ollama; default `OPENAI_BASE_URL`, else OpenAI itself. */
  baseURL?: string;
  /** Default `OPENAI_API_KEY`; many self-hosted upstreams accept any string. */
  apiKey?: string;
  timeoutMs?: number;
  /**
   * Default 0: we are a hop in front of the client, whose own SDK already retries 429/5xx. Retrying here too would
   * multiply the attempts and hide upstream trouble behind latency.
   */
  maxRetries?: number;
  /**
   * OpenAI's newer models reject `max_tokens`; most self-hosted servers only know it. Default: `max_completion_tokens`
   * for api.openai.com, `max_tokens` elsewhere.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  defaultHeaders?: Record<string, string>;
  /**
   * A custom fetch. Default: `createKeepAliveFetch()`, `undici.request` on a shared keep-alive Agent, several times
   * cheaper per call than the global fetch (see BENCHMARKS.md).
   */
  fetch?: typeof fetch;
}

type StreamChunk = OpenAI.Chat.Completions.ChatCompletionChunk;

/**
 * Any OpenAI-compatible upstream (OpenAI, vLLM, Ollama, llama.cpp server, LiteLLM, ...) through the official SDK.
 * Upstream data is parsed leniently: servers in the field omit `index`, send `arguments` as objects or skip usage.
 */
export class OpenAICompatibleModel implements ModelBackend {
  readonly modelName: string;
  readonly client: OpenAI;
  private readonly maxTokensField: 'max_tokens' | 'max_completion_tokens';

  constructor(options: OpenAICompatibleModelOptions) {
    this.modelName = options.model;
    const baseURL = options.baseURL ?? process.env.OPENAI_BASE_URL ?? undefined;
    this.client = new OpenAI({
      baseURL,
      apiKey: options.apiKey ?? process.env.OPENAI_API_KEY ?? 'not-needed',
      timeout: options.timeoutMs ?? 600_000,
      maxRetries: options.maxRetries ?? 0,
      defaultHeaders: options.defaultHeaders,
      fetch: options.fetch ?? createKeepAliveFetch(),
    });
    const isOpenAI = !baseURL || /(^|\.)api\.openai\.com/.test(new URL(this.client.baseURL).host);
    this.maxTokensField = options.maxTokensField ?? (isOpenAI ? 'max_completion_tokens' : 'max_tokens');
  }

  async generate(request: ModelRequest, options: CallOptions = {}): Promise<ModelResult> {
    try {
      const completion = await this.client.chat.completions.create(
        { ...this.toWireRequest(request), stream: false },
        { signal: options.signal },
      );
      const choice = completion.choices?.[0];
      const message = choice?.message;
      const toolCalls: ToolCall[] = (message?.tool_calls ?? []).flatMap((call, i) =>
        call.type === 'function' || 'function' in call
          ? [
              {
                id: call.id || `call_${i}`,
                name: (call as { function: { name: string } }).function.name,
                arguments: stringifyArguments((call as { function: { arguments: unknown } }).function.arguments),
              },
            ]
          : [],
      );
      return {
        content: message?.content ?? (toolCalls.length > 0 ? null : ''),
        toolCalls,
        finishReason: toFinishReason(choice?.finish_reason),
        usage: toUsage(completion.usage),
      };
    } catch (error) {
      throw mapUpstreamError(error, options.signal);
    }
  }

  /**
   * The request goes through the SDK (headers, auth, timeout, status errors); the SSE body is decoded here, in one
   * loop, rather than by the SDK's Stream, whose chain of async generators and per-event buffer copies cost more
   * than the rest of the hop (BENCHMARKS.md). The rules are the SDK's: `[DONE]` ends the data, an `error` object in
   * the data is an APIError, `thread.*` events are skipped, an abort of the body ends it quietly. The body is read
   * in this one generator, with no generator per layer of decoding.
   */
  async *stream(request: ModelRequest, options: CallOptions = {}): AsyncGenerator<ModelStreamEvent> {
    let response: Response;
    try {
      response = await this.client.chat.completions
        .create(
          { ...this.toWireRequest(request), stream: true, stream_options: { include_usage: true } },
          { signal: options.signal },
        )
        .asResponse();
    } catch (error) {
      throw mapUpstreamError(error, options.signal);
    }
    const body = response.body as unknown as AsyncIterable<Uint8Array> | null;
    if (!body) {
      throw mapUpstreamError(new OpenAI.OpenAIError('Attempted to iterate over a response with no body'));
    }
    const reader = new ChunkReader(response.headers);
    let finishReason: FinishReason | undefined;
    let usage: Usage | undefined;
    // Upstreams that omit `index` (Gemini-compat, old Ollama) get one assigned per new call id.
    const indexById = new Map<string, number>();
    try {
      for await (const bytes of body) {
        for (const chunk of reader.push(bytes)) {
          usage = toUsage(chunk.usage) ?? usage;
          const choice = chunk.choices?.[0];
          if (!choice) {
            continue;
          }
          const delta = choice.delta ?? {};
          if (typeof delta.content === 'string' && delta.content.length > 0) {
            yield { type: 'text', text: delta.content };
          }
          for (const [position, call] of (delta.tool_calls ?? []).entries()) {
            let index = typeof call.index === 'number' ? call.index : undefined;
            if (index === undefined) {
              index = call.id ? (indexById.get(call.id) ?? indexById.size) : Math.max(indexById.size - 1, position);
            }
            if (call.id) {
              indexById.set(call.id, index);
            }
            const args = call.function?.arguments as unknown;
            yield {
              type: 'tool-call',
              index,
              id: call.id || undefined,
              name: call.function?.name || undefined,
              arguments: args === undefined || args === null ? undefined : stringifyArguments(args),
            };
          }
          if (choice.finish_reason) {
            finishReason = toFinishReason(choice.finish_reason);
          }
        }
        if (reader.failure !== undefined) {
          throw reader.failure;
        }
      }
    } catch (error) {
      // An abort of the body ends it quietly, as in the SDK's Stream; checked by name, as the SDK does, since an
      // abort raised in another realm (a DOMException) is not `instanceof Error`.
      if ((error as { name?: unknown } | null)?.name !== 'AbortError') {
        throw mapUpstreamError(error, options.signal);
      }
    }
    if (options.signal?.aborted) {
      throw new AbortedError();
    }
    yield { type: 'finish', finishReason: finishReason ?? 'stop', usage };
  }

  private toWireRequest(request: ModelRequest): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming {
    const body: Record<string, unknown> = {
      model: this.modelName,
      messages: request.messages.map(toWireMessage),
      temperature: request.temperature,
      top_p: request.topP,
      stop: request.stop,
      seed: request.seed,
      presence_penalty: request.presencePenalty,
      frequency_penalty: request.frequencyPenalty,
      logit_bias: request.logitBias,
      user: request.user,
      metadata: request.metadata,
      [this.maxTokensField]: request.maxTokens,
    };
    if (request.tools && request.tools.length > 0) {
      body.tools = request.tools.map((tool): WireTool => ({
        type: 'function',
        function: {
          name: tool.name,
          description: tool.description,
          parameters: tool.parameters,
          strict: tool.strict,
        },
      }));
      body.tool_choice = toWireToolChoice(request.toolChoice);
      body.parallel_tool_calls = request.parallelToolCalls;
    }
    if (request.responseFormat) {
      const format = request.responseFormat;
      body.response_format =
        format.type === 'json_schema'
          ? {
              type: 'json_schema',
              json_schema: {
                name: format.name,
                description: format.description,
                schema: format.schema,
                strict: format.strict,
              },
            }
          : format;
    }
    for (const key of Object.keys(body)) {
      if (body[key] === undefined) {
        delete body[key];
      }
    }
    return body as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
  }
}

/**
 * Turns the bytes of an SSE body into chunks, by the rules of the SDK's Stream; synchronous, so no await per event.
 * A bad event (an `error` object, broken JSON) becomes `failure` after the chunks before it, which are still read.
 */
class ChunkReader {
  failure: Error | undefined = undefined;
  private readonly decoder = new SseDecoder();
  private done = false;

  constructor(private readonly headers: Headers) {}

  push(bytes: Uint8Array): StreamChunk[] {
    const chunks: StreamChunk[] = [];
    for (const event of this.decoder.push(bytes)) {
      if (this.done || (event.event !== null && event.event.startsWith('thread.'))) {
        continue;
      }
      if (event.data.startsWith('[DONE]')) {
        // Read on to the end of the body: a connection released mid-body cannot be reused.
        this.done = true;
        continue;
      }
      try {
        const data = JSON.parse(event.data) as StreamChunk & { error?: unknown };
        if (data && data.error) {
          throw new OpenAI.APIError(undefined, data.error, undefined, this.headers);
        }
        chunks.push(data);
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        this.done = true;
      }
    }
    return chunks;
  }
}

function toWireToolChoice(choice: ModelRequest['toolChoice']): WireToolChoice | undefined {
  if (choice === undefined || typeof choice === 'string') {
    return choice;
  }
  return { type: 'function', function: { name: choice.name } };
}

export function toWireMessage(message: ChatMessage): WireMessage {
  const wire: WireMessage = { role: message.role, content: toWireContent(message.content) };
  if (message.name) {
    wire.name = message.name;
  }
  if (message.toolCalls && message.toolCalls.length > 0) {
    wire.tool_calls = message.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  if (message.toolCallId) {
    wire.tool_call_id = message.toolCallId;
  }
  return wire;
}

function toWireContent(content: ChatMessage['content']): WireMessage['content'] {
  if (content === null || typeof content === 'string') {
    return content;
  }
  return content.map((part: ContentPart): WireContentPart => {
    switch (part.type) {
      case 'text':
        return { type: 'text', text: part.text };
      case 'image_url':
        return { type: 'image_url', image_url: { url: part.url, ...(part.detail ? { detail: part.detail } : {}) } };
      case 'other':
        return part.raw as WireContentPart;
    }
  });
}

function stringifyArguments(args: unknown): string {
  if (typeof args === 'string') {
    return args;
  }
  return JSON.stringify(args ?? {});
}

function toFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'length':
    case 'tool_calls':
    case 'content_filter':
    case 'function_call':
      return reason;
    case 'stop':
    case null:
    case undefined:
    default:
      return 'stop';
  }
}

function toUsage(usage: OpenAI.CompletionUsage | null | undefined): Usage | undefined {
  if (!usage || typeof usage.prompt_tokens !== 'number') {
    return undefined;
  }
  const completion = usage.completion_tokens ?? 0;
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: completion,
    totalTokens: usage.prompt_tokens + completion,
  };
}

/**
 * Maps upstream failures to what our client should see. Client mistakes the upstream caught (400, 422) keep their
 * status and message; the upstream's own trouble is a 502 (a 504 on timeout) so the client's SDK retries it; a 429
 * keeps its status and retry headers.
 */
export function mapUpstreamError(error: unknown, signal?: AbortSignal): Error {
  if (signal?.aborted || error instanceof OpenAI.APIUserAbortError) {
    return new AbortedError();
  }
  if (error instanceof ApiError || error instanceof AbortedError) {
    return error;
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ApiError(504, 'The model backend timed out.', {
      type: 'server_error',
      code: 'upstream_timeout',
      cause: error,
    });
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const upstream = readUpstreamError(error);
    const status = error.status;
    if (status === 400 || status === 422) {
      return new ApiError(400, upstream.message, {
        type: 'invalid_request_error',
        param: upstream.param,
        code: upstream.code,
        cause: error,
      });
    }
    if (status === 429) {
      const headers: Record<string, string> = {};
      const upstreamHeaders = error.headers as Headers | undefined;
      for (const name of ['retry-after', 'retry-after-ms']) {
        const value = upstreamHeaders?.get(name);
        if (value) {
          headers[name] = value;
        }
      }
      return new ApiError(429, `The model backend is rate limited: ${upstream.message}`, {
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
        headers,
        cause: error,
      });
    }
    return new ApiError(502, `The model backend failed with status ${status}: ${upstream.message}`, {
      type: 'server_error',
      code: 'upstream_error',
      cause: error,
    });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ApiError(502, `Could not reach the model backend: ${error.message}`, {
      type: 'server_error',
      code: 'upstream_unreachable',
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function readUpstreamError(error: { error?: unknown; message: string }): {
  message: string;
  param: string | null;
  code: string | null;
} {
  const body = error.error as { message?: unknown; param?: unknown; code?: unknown } | undefined;
  const message = typeof body?.message === 'string' ? body.message : error.message;
  const param = typeof body?.param === 'string' ? body.param : null;
  const code = typeof body?.code === 'string' || typeof body?.code === 'number' ? String(body.code) : null;
  return { message, param, code };
}
