import type { Dispatcher } from 'undici';
import type { ModelBackend } from '../model-backend';
import type { CallOptions, ModelRequest, ModelResult, ModelStreamEvent } from '../types';
import { type MaxTokensField, toWireRequest } from './openai-compatible/chat-request.mapper';
import { ChunkReader, readCompletion } from './openai-compatible/chat-response.reader';
import { discard, LARGE_PAYLOAD_CHARS, UpstreamClient } from './openai-compatible/upstream-client';
import { badUpstreamResponse, upstreamTransportError } from './openai-compatible/upstream-error.mapper';
import { SseDecoder } from './sse-decoder';
import { yieldToIo } from '../yield-to-io';
import { traceHeaders } from '../tracing/trace-headers'; // tracing hook

export interface OpenAICompatibleModelOptions {
  /** The upstream's model name. */
  model: string;
  /** e.g. `http://localhost:11434/v1` for Ollama; default OpenAI itself. */
  baseURL?: string;
  /** Sent as a bearer token; many self-hosted upstreams need none. */
  apiKey?: string;
  /** How long the upstream may take to answer, and to send each next byte once it answers; default 600 s. */
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
  maxTokensField?: MaxTokensField;
  /** Extra headers on every upstream request. */
  headers?: Record<string, string>;
  /** An undici dispatcher (a proxy Agent, a mock); default: one keep-alive Agent shared by the process. */
  dispatcher?: Dispatcher;
}

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 600_000;
const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** Any OpenAI-compatible upstream (OpenAI, vLLM, Ollama, llama.cpp server, LiteLLM, ...), over undici directly. */
export class OpenAICompatibleModel implements ModelBackend {
  readonly modelName: string;
  private readonly client: UpstreamClient;
  private readonly maxTokensField: MaxTokensField;

  constructor(options: OpenAICompatibleModelOptions) {
    this.modelName = options.model;
    const baseURL = options.baseURL ?? OPENAI_BASE_URL;
    this.client = new UpstreamClient({
      baseURL,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
      maxRetries: options.maxRetries ?? 0,
      headers: options.headers,
      dispatcher: options.dispatcher,
    });
    const isOpenAI = /(^|\.)api\.openai\.com$/.test(new URL(baseURL).hostname);
    this.maxTokensField = options.maxTokensField ?? (isOpenAI ? 'max_completion_tokens' : 'max_tokens');
  }

  /** Where the upstream is (for logs; no credentials in it). */
  get baseURL(): string {
    return this.client.baseURL;
  }

  async generate(request: ModelRequest, options: CallOptions = {}): Promise<ModelResult> {
    await yieldIfLarge(request);
    const body = toWireRequest(this.modelName, request, this.maxTokensField, false);
    // tracing hook: called inside the `chat` span, so the upstream request names it as the parent (traceparent)
    const answer = await this.client.post('/chat/completions', body, options.signal, traceHeaders());
    if (answer.contentType.includes('text/event-stream')) {
      discard(answer.body);
      throw badUpstreamResponse('a stream where a JSON completion was asked for');
    }
    let text: string;
    try {
      text = await answer.body.text();
    } catch (error) {
      throw upstreamTransportError(error, options.signal);
    }
    return readCompletion(text);
  }

  /** The SSE body is decoded in this one generator: no generator per layer of decoding, no await per event. */
  async *stream(request: ModelRequest, options: CallOptions = {}): AsyncGenerator<ModelStreamEvent> {
    await yieldIfLarge(request);
    const body = toWireRequest(this.modelName, request, this.maxTokensField, true);
    // tracing hook: called inside the `chat` span, so the upstream request names it as the parent (traceparent)
    const answer = await this.client.post('/chat/completions', body, options.signal, traceHeaders());
    if (answer.contentType.includes('application/json')) {
      // An upstream that ignores `stream` and answers one completion: read it as one.
      yield* resultEvents(readCompletion(await answer.body.text()));
      return;
    }
    if (!answer.contentType.includes('text/event-stream')) {
      discard(answer.body);
      throw badUpstreamResponse(`a stream of type '${answer.contentType.slice(0, 60) || 'none'}'`);
    }
    const decoder = new SseDecoder();
    const reader = new ChunkReader();
    const events: ModelStreamEvent[] = [];
    let done = false;
    let failure: unknown;
    try {
      for await (const bytes of answer.body) {
        for (const event of decoder.push(bytes as Buffer)) {
          if (done || failure || event.event?.startsWith('thread.')) {
            continue;
          }
          if (event.data.startsWith('[DONE]')) {
            // Read on to the end of the body: a connection released mid-body cannot be reused.
            done = true;
            continue;
          }
          failure = readInto(reader, event.data, events);
        }
        // Not `yield*` over the array: in an async generator that wraps every element in one more promise.
        for (const event of events) {
          yield event;
        }
        events.length = 0;
        if (failure) {
          break;
        }
      }
    } catch (error) {
      failure = error;
    }
    if (failure || options.signal?.aborted) {
      discard(answer.body);
      throw upstreamTransportError(failure, options.signal);
    }
    yield reader.finish(done);
  }
}

/**
 * Serialising a request of megabytes takes tens of milliseconds; after the parsing and validation of its body it
 * would hold the event loop too long in one turn (docs/limits.md). Other requests are served first.
 */
async function yieldIfLarge(request: ModelRequest): Promise<void> {
  let chars = 0;
  for (const message of request.messages) {
    const content = message.content;
    if (typeof content === 'string') {
      chars += content.length;
    } else if (content) {
      chars += content.length * 256;
    }
  }
  if (chars > LARGE_PAYLOAD_CHARS) {
    await yieldToIo();
  }
}

/** The events of one chunk; a chunk that cannot be read ends the stream after the events before it. */
function readInto(reader: ChunkReader, data: string, events: ModelStreamEvent[]): unknown {
  try {
    reader.read(data, events);
    return undefined;
  } catch (error) {
    return error;
  }
}

function* resultEvents(result: ModelResult): Generator<ModelStreamEvent> {
  if (result.content) {
    yield { type: 'text', text: result.content };
  }
  for (const [index, call] of result.toolCalls.entries()) {
    yield { type: 'tool-call', index, id: call.id, name: call.name, arguments: call.arguments };
  }
  const { finishReason, usage, responseId, responseModel } = result;
  yield { type: 'finish', finishReason, usage, responseId, responseModel };
}
