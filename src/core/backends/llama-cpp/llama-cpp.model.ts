import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { basename, resolve as resolvePath } from 'node:path';
import type {
  ChatModelFunctions,
  ChatWrapper,
  GbnfJsonSchema,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaModel,
} from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { AbortedError, ApiError, isAbortError } from '../../errors';
import type { ModelBackend } from '../../model-backend';
import { collectModelResult } from '../../reply-accumulator';
import type { CallOptions, FinishReason, ModelRequest, ModelResult, ModelStreamEvent } from '../../types';
import { toChatHistory } from './chat-history.mapper';
import { checkGgufFile } from './gguf-check';
import { toGrammarSchema, unsupportedSchemaParts } from './grammar-schema';
import { downloadModel, isModelUrl } from './model-download';
import { loadNodeLlamaCpp, type NodeLlamaCpp } from './node-llama-cpp.loader';
import { SlotQueue } from './slot-queue';

export type LlamaGpu = 'auto' | false | 'cuda' | 'vulkan' | 'metal';

export interface LlamaCppModelOptions {
  /** A GGUF file path or an http(s) URL (downloaded once into `modelDir`). */
  model: string;
  /** Cache folder for downloaded models; default `LLAMA_MODEL_DIR`, else `~/.cache/chat-agent-server/models`. */
  modelDir?: string;
  /** `"auto"` uses a GPU build if one is installed and works, `false` forces the CPU. Default `false`. */
  gpu?: LlamaGpu;
  /** CPU threads per evaluation. Default: half the logical cores (oversubscribing cores slows decoding sharply). */
  threads?: number;
  /** Tokens of context per concurrent request; capped at what the model was trained on. Default 4096. */
  contextSize?: number;
  /** Requests generating at the same time (context sequences). Default 1. */
  parallel?: number;
  /** Requests allowed to wait for a free sequence; beyond it the answer is 503. Default 16. */
  queueLimit?: number;
  /** Connect/silence timeout for a model download. Default 15 s. */
  connectTimeoutMs?: number;
  /**
   * The chat format, when the one detected from the GGUF's template is wrong or missing: a node-llama-cpp wrapper
   * name such as `"qwen"`, `"llama3.1"`, `"chatML"`, `"mistral"`, `"gemma"`. Default: detected once per model.
   */
  chatFormat?: string;
  /** Default sampling temperature when neither agent nor request sets one (llama.cpp's own default). */
  defaultTemperature?: number;
  /** After a failed load, requests and probes get the same error for this long before one tries again. Default 5 s. */
  loadRetryMs?: number;
  /** Progress and lifecycle messages (download, load). */
  onLog?: (message: string) => void;
}

interface Runtime {
  lib: NodeLlamaCpp;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  slots: SlotQueue<LlamaContextSequence>;
  grammars: Map<string, Promise<LlamaGrammar>>;
}

const sharedLlamas = new Map<string, Promise<Llama>>();
const GRAMMAR_CACHE_SIZE = 64;

/** One llama.cpp binding per GPU choice for the whole process: it is costly (0.5 s) and holds the backend. */
function sharedLlama(lib: NodeLlamaCpp, gpu: LlamaGpu, threads: number): Promise<Llama> {
  const key = String(gpu);
  let llama = sharedLlamas.get(key);
  if (!llama) {
    // `build: "never"`: never download or compile llama.cpp at run time; the prebuilt npm binaries are used.
    llama = lib.getLlama({ gpu, build: 'never', maxThreads: threads, logLevel: lib.LlamaLogLevel.error });
    llama.catch(() => sharedLlamas.delete(key));
    sharedLlamas.set(key, llama);
  }
  return llama;
}

export function defaultThreads(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

/**
 * An in-process llama.cpp backend (node-llama-cpp) for GGUF models. One loaded model serves every request;
 * `parallel` context sequences generate at once and further requests queue, up to `queueLimit`.
 */
export class LlamaCppModel implements ModelBackend {
  readonly modelName: string;
  private readonly gpu: LlamaGpu;
  private readonly threads: number;
  private readonly parallel: number;
  private readonly queueLimit: number;
  private loading?: Promise<Runtime>;
  private loaded?: Runtime;
  private closed = false;

  constructor(private readonly options: LlamaCppModelOptions) {
    if (!options.model) {
      throw new Error('LlamaCppModel needs a model: a GGUF file path or an https URL.');
    }
    this.modelName = basename(isModelUrl(options.model) ? new URL(options.model).pathname : options.model);
    this.gpu = options.gpu ?? false;
    this.threads = options.threads ?? defaultThreads();
    this.parallel = Math.max(1, options.parallel ?? 1);
    this.queueLimit = Math.max(0, options.queueLimit ?? 16);
  }

  /** Requests generating now and requests queued for a sequence (for metrics and tests). */
  get activity(): { active: number; waiting: number } {
    const slots = this.loaded?.slots;
    return slots ? { active: this.parallel - slots.freeCount, waiting: slots.waitingCount } : { active: 0, waiting: 0 };
  }

  /** Resolves once the model file is present, checked and loaded; the first call starts the work. */
  async ready(): Promise<void> {
    await this.runtime();
  }

  async close(): Promise<void> {
    this.closed = true;
    const loading = this.loading;
    this.loading = undefined;
    this.loaded = undefined;
    const runtime = await loading?.catch(() => undefined);
    if (runtime) {
      runtime.slots.rejectAll(new ApiError(503, 'The model is shutting down.', { code: 'model_unavailable' }));
      await runtime.context.dispose();
      await runtime.model.dispose();
    }
  }

  generate(request: ModelRequest, options: CallOptions = {}): Promise<ModelResult> {
    return collectModelResult(this.stream(request, options));
  }

  async *stream(request: ModelRequest, options: CallOptions = {}): AsyncGenerator<ModelStreamEvent> {
    const runtime = await this.runtime();
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) {
      abort.abort();
    }
    const events = new EventChannel<ModelStreamEvent>();
    let sequence: LlamaContextSequence | undefined;
    let generation: Promise<void> | undefined;
    try {
      sequence = await runtime.slots.acquire(abort.signal);
      const held = sequence;
      generation = this.generateOn(runtime, held, request, abort.signal, events).then(
        () => events.close(),
        (error: unknown) => events.fail(abort.signal.aborted ? new AbortedError() : error),
      );
      yield* events;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      // The consumer stopped early (client gone) or failed: stop generating before the sequence is handed on.
      abort.abort();
      await generation;
      if (sequence) {
        runtime.slots.release(sequence);
      }
    }
  }

  private async generateOn(
    runtime: Runtime,
    sequence: LlamaContextSequence,
    request: ModelRequest,
    signal: AbortSignal,
    events: EventChannel<ModelStreamEvent>,
  ): Promise<void> {
    const { lib, model } = runtime;
    const history = toChatHistory(request.messages);
    const tools = request.toolChoice === 'none' ? [] : (request.tools ?? []);
    const choice = request.toolChoice;
    const named = typeof choice === 'object' ? choice.name : undefined;
    if (named && !tools.some((tool) => tool.name === named)) {
      throw ApiError.invalidRequest(`tool_choice names '${named}', which is not among the tools.`, 'tool_choice');
    }
    const functions: ChatModelFunctions | undefined =
      tools.length > 0
        ? Object.fromEntries(
            tools
              .filter((tool) => !named || tool.name === named)
              .map((tool) => [
                tool.name,
                { description: tool.description, params: tool.parameters as GbnfJsonSchema | undefined },
              ]),
          )
        : undefined;
    const mustCall = functions !== undefined && (choice === 'required' || named !== undefined);
    const chatWrapper = mustCall ? forceFunctionCall(lib, runtime.chatWrapper) : runtime.chatWrapper;
    const grammar = functions ? undefined : await this.grammarFor(runtime, request);

    const promptTokens = chatWrapper
      .generateContextState({ chatHistory: history, availableFunctions: functions })
      .contextText.tokenize(model.tokenizer).length;
    const room = sequence.contextSize - promptTokens;
    if (room <= 0) {
      throw ApiError.invalidRequest(
        `The conversation is ${promptTokens} tokens long; this model's context holds ${sequence.contextSize}.`,
        'messages',
        'context_length_exceeded',
      );
    }
    const maxTokens = Math.min(request.maxTokens ?? room, room);
    const outputBefore = sequence.tokenMeter.usedOutputTokens;

    let heldWhitespace = '';
    const callIds = new Map<number, string>();
    const pendingWhitespace = new Map<number, string>();
    const chat = new lib.LlamaChat({ contextSequence: sequence, chatWrapper });
    try {
      const common = {
        signal,
        maxTokens,
        temperature: request.temperature ?? this.options.defaultTemperature ?? 0.8,
        topP: request.topP,
        seed: request.seed,
        customStopTriggers: request.stop && request.stop.length > 0 ? request.stop : undefined,
        tokenBias: request.logitBias ? toTokenBias(lib, model, request.logitBias) : undefined,
        repeatPenalty:
          request.presencePenalty || request.frequencyPenalty
            ? { presencePenalty: request.presencePenalty, frequencyPenalty: request.frequencyPenalty }
            : undefined,
        onTextChunk: (chunk: string) => {
          // A grammar's JSON ends in padding newlines: hold whitespace back until more text follows, and drop it at
          // the end. (node-llama-cpp's trimWhitespaceSuffix does this by delaying every chunk by a token.)
          const text = grammar ? heldWhitespace + chunk : chunk;
          const emitted = grammar ? text.trimEnd() : text;
          heldWhitespace = text.slice(emitted.length);
          if (emitted.length > 0) {
            events.push({ type: 'text', text: emitted });
          }
        },
      };
      const response = functions
        ? await chat.generateResponse(history, {
            ...common,
            functions,
            maxParallelFunctionCalls: request.parallelToolCalls === false ? 1 : undefined,
            onFunctionCallParamsChunk: (chunk) => {
              let id = callIds.get(chunk.callIndex);
              if (!id) {
                id = newCallId();
                callIds.set(chunk.callIndex, id);
                events.push({ type: 'tool-call', index: chunk.callIndex, id, name: chunk.functionName, arguments: '' });
              }
              // The grammar pads the arguments with trailing newlines; hold whitespace back until more JSON follows.
              const text = (pendingWhitespace.get(chunk.callIndex) ?? '') + chunk.paramsChunk;
              const trimmed = text.trimEnd();
              pendingWhitespace.set(chunk.callIndex, text.slice(trimmed.length));
              if (trimmed.length > 0) {
                events.push({ type: 'tool-call', index: chunk.callIndex, arguments: trimmed });
              }
            },
          })
        : await chat.generateResponse(history, { ...common, grammar });

      // Calls without streamed parameters (functions that take none) are reported whole.
      for (const [index, call] of (response.functionCalls ?? []).entries()) {
        if (!callIds.has(index)) {
          callIds.set(index, newCallId());
          events.push({
            type: 'tool-call',
            index,
            id: callIds.get(index),
            name: call.functionName,
            arguments: JSON.stringify(call.params ?? {}),
          });
        }
      }
      if (signal.aborted || response.metadata.stopReason === 'abort') {
        throw new AbortedError();
      }
      const completionTokens = Math.max(sequence.tokenMeter.usedOutputTokens - outputBefore, 1);
      // Cut by the token limit is `length` even mid-call (the last call's arguments may be incomplete).
      const finishReason: FinishReason =
        response.metadata.stopReason === 'maxTokens' ? 'length' : callIds.size > 0 ? 'tool_calls' : 'stop';
      events.push({
        type: 'finish',
        finishReason,
        usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
      });
    } catch (error) {
      throw signal.aborted || isAbortError(error) ? new AbortedError() : error;
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  }

  /** The grammar that enforces `response_format`, built once per distinct schema. */
  private async grammarFor(runtime: Runtime, request: ModelRequest): Promise<LlamaGrammar | undefined> {
    const format = request.responseFormat;
    if (!format || format.type === 'text') {
      return undefined;
    }
    const schema = format.type === 'json_schema' ? format.schema : undefined;
    if (schema) {
      const problems = unsupportedSchemaParts(schema);
      if (problems.length > 0) {
        throw ApiError.invalidRequest(
          `The embedded model cannot enforce these parts of the JSON schema: ${problems.slice(0, 10).join(', ')}. ` +
            'Supported: type, properties, required, additionalProperties, items, prefixItems, enum, const, ' +
            'oneOf/anyOf, $ref/$defs, min/maxItems, min/maxLength, min/maxProperties, format.',
          'response_format',
        );
      }
    }
    const key = schema ? JSON.stringify(schema) : 'json_object';
    let grammar = runtime.grammars.get(key);
    if (grammar) {
      // Most recently used last, so the oldest is evicted first.
      runtime.grammars.delete(key);
    } else {
      grammar = schema
        ? // The schema arrives untyped from the client; node-llama-cpp validates it while building the grammar.
          runtime.llama.createGrammarForJsonSchema(toGrammarSchema(schema) as never)
        : runtime.llama.getGrammarFor('json');
      grammar.catch(() => runtime.grammars.delete(key));
      // Bounded: every client can send schemas of its own.
      if (runtime.grammars.size >= GRAMMAR_CACHE_SIZE) {
        runtime.grammars.delete(runtime.grammars.keys().next().value as string);
      }
    }
    runtime.grammars.set(key, grammar);
    try {
      return await grammar;
    } catch (error) {
      throw ApiError.invalidRequest(
        `The JSON schema in response_format cannot be turned into a grammar: ${(error as Error).message}`,
        'response_format',
      );
    }
  }

  private runtime(): Promise<Runtime> {
    if (this.closed) {
      return Promise.reject(new ApiError(503, 'The model has been closed.', { code: 'model_unavailable' }));
    }
    if (!this.loading) {
      const loading = this.load().then(
        (runtime) => (this.loaded = runtime),
        (error: unknown) => {
          // Let a later request or readiness probe try again (the file may have been supplied meanwhile), but not at
          // once: probes every second must not each wait for a download timeout.
          const retry = setTimeout(() => {
            if (this.loading === loading) {
              this.loading = undefined;
            }
          }, this.options.loadRetryMs ?? 5_000);
          retry.unref();
          throw new ApiError(503, (error as Error).message, {
            type: 'server_error',
            code: 'model_unavailable',
            cause: error,
          });
        },
      );
      this.loading = loading;
    }
    return this.loading;
  }

  private async load(): Promise<Runtime> {
    const log = this.options.onLog ?? (() => undefined);
    const file = isModelUrl(this.options.model)
      ? await downloadModel(this.options.model, {
          dir: this.options.modelDir,
          connectTimeoutMs: this.options.connectTimeoutMs,
          onLog: log,
        })
      : resolvePath(this.options.model);
    await checkGgufFile(file);
    const lib = await loadNodeLlamaCpp();
    const llama = await sharedLlama(lib, this.gpu, this.threads);
    const started = Date.now();
    const model = await llama.loadModel({ modelPath: file, gpuLayers: this.gpu === false ? 0 : undefined });
    try {
      const contextSize = Math.min(this.options.contextSize ?? 4096, model.trainContextSize);
      const context = await model.createContext({ contextSize, sequences: this.parallel, threads: this.threads });
      // Resolved once per model: guessing the chat format per request costs ~300 ms.
      const chatWrapper = lib.resolveChatWrapper(
        model,
        this.options.chatFormat ? { type: this.options.chatFormat as 'auto' } : undefined,
      );
      const sequences = Array.from({ length: this.parallel }, () => context.getSequence());
      log(
        `Loaded ${file} in ${Date.now() - started} ms (${chatWrapper.wrapperName} chat format, ${this.threads} threads, ` +
          `${this.parallel} parallel × ${context.contextSize} tokens, GPU: ${llama.gpu || 'none'})`,
      );
      return {
        lib,
        llama,
        model,
        context,
        chatWrapper,
        slots: new SlotQueue(sequences, this.queueLimit),
        grammars: new Map(),
      };
    } catch (error) {
      await model.dispose();
      throw error;
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

function newCallId(): string {
  return `call_${randomBytes(12).toString('hex')}`;
}

/** A push-to-pull bridge: node-llama-cpp reports through callbacks, the backend yields an async iterable. */
class EventChannel<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private done = false;
  private error?: Error;
  private wake?: () => void;

  push(item: T): void {
    this.buffer.push(item);
    this.notify();
  }
  close(): void {
    this.done = true;
    this.notify();
  }
  fail(error: unknown): void {
    this.error = error instanceof Error ? error : new Error(`Generation failed: ${String(error)}`);
    this.done = true;
    this.notify();
  }
  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.buffer.length > 0) {
        yield this.buffer.shift() as T;
        continue;
      }
      if (this.done) {
        if (this.error) {
          throw this.error;
        }
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
