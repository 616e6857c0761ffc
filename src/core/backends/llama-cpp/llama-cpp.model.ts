import { availableParallelism } from 'node:os';
import { basename, resolve as resolvePath } from 'node:path';
import type { Llama, LlamaContextSequence } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { AbortedError, ApiError } from '../../errors';
import type { ModelBackend } from '../../model-backend';
import { collectModelResult } from '../../reply-accumulator';
import type { CallOptions, ModelRequest, ModelResult, ModelStreamEvent } from '../../types';
import { EventChannel } from './event-channel';
import { checkGgufFile } from './gguf-check';
import { generateOn } from './llama-generation';
import type { LlamaRuntime } from './llama-runtime';
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

const sharedLlamas = new Map<string, Promise<Llama>>();

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
  readonly providerName = 'llama.cpp';
  private readonly gpu: LlamaGpu;
  private readonly threads: number;
  private readonly parallel: number;
  private readonly queueLimit: number;
  private loading?: Promise<LlamaRuntime>;
  private loaded?: LlamaRuntime;
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
      generation = generateOn(runtime, held, request, abort.signal, events, this.options.defaultTemperature).then(
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

  private runtime(): Promise<LlamaRuntime> {
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

  private async load(): Promise<LlamaRuntime> {
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
      // Resolved once per model: guessing the chat format per request is slow (node-llama-cpp.md).
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
