import type { INestApplication } from '@nestjs/common';
import { ChatMemory } from './chat-memory';
import { AbortedError } from './errors';
import { isModelBackend, type ModelBackend } from './model-backend';
import { ModelFactory } from './model-factory';
import { ReplyAccumulator } from './reply-accumulator';
import { countPromptTokens, countTextTokens, makeUsage } from './tokens';
import type {
  ChatMessage,
  FinishReason,
  GenerationOptions,
  ModelRequest,
  ModelStreamEvent,
  ToolCall,
  Usage,
} from './types';

/** What to do with a client's own system/developer messages, given the agent has a system message of its own. */
export type SystemMessagePolicy = 'append' | 'replace' | 'ignore';

export interface ChatAgentOptions extends Omit<GenerationOptions, 'tools' | 'toolChoice'> {
  /** The agent's own instructions, always first in the conversation the model sees. */
  systemMessage?: string;
  /** A backend instance, or a model spec resolved through `ModelFactory` (e.g. `"gpt-4o-mini"`, `"scripted"`). */
  model: ModelBackend | string;
  /** How many messages `step()` remembers; unlimited when unset. */
  memoryWindow?: number;
  systemMessagePolicy?: SystemMessagePolicy;
}

export interface RunOptions extends GenerationOptions {
  signal?: AbortSignal;
  systemMessagePolicy?: SystemMessagePolicy;
}

export interface AssistantMessage extends ChatMessage {
  role: 'assistant';
}

export interface AgentResponse {
  message: AssistantMessage;
  finishReason: FinishReason;
  usage: Usage;
}

/** Streaming events of the agent: the backend's events, with usage always present on `finish`. */
export type AgentStreamEvent =
  Exclude<ModelStreamEvent, { type: 'finish' }> | { type: 'finish'; finishReason: FinishReason; usage: Usage };

export interface ServeOptions {
  /** The id clients pass as `model`; default from `SERVED_MODEL_NAME`, else `camel-model`. */
  modelId?: string;
}

/**
 * An agent: a system message, a memory and generation defaults around a model backend. Framework-free.
 *
 * Two ways to talk to it:
 * - `step()` / `stepStream()` are stateful: the agent remembers the conversation in its memory.
 * - `run()` / `runStream()` are stateless: the caller supplies the whole history. The server uses these, so
 *   concurrent requests never share state.
 */
export class ChatAgent {
  readonly systemMessage?: string;
  readonly model: ModelBackend;
  readonly memory: ChatMemory;
  private readonly defaults: GenerationOptions;
  private readonly systemMessagePolicy: SystemMessagePolicy;

  constructor(private readonly options: ChatAgentOptions) {
    const { systemMessage, model, memoryWindow, systemMessagePolicy, ...defaults } = options;
    this.systemMessage = systemMessage;
    this.model = isModelBackend(model) ? model : ModelFactory.create(model);
    this.memory = new ChatMemory(memoryWindow);
    this.systemMessagePolicy = systemMessagePolicy ?? 'append';
    this.defaults = defaults;
  }

  /** Stateless: answers `messages` (the whole history) without touching memory. */
  async run(messages: ChatMessage[], options: RunOptions = {}): Promise<AgentResponse> {
    const request = this.buildRequest(messages, options);
    throwIfAborted(options.signal);
    const result = await this.model.generate(request, { signal: options.signal });
    const toolCalls = result.toolCalls;
    const message: AssistantMessage = {
      role: 'assistant',
      content: toolCalls.length > 0 && !result.content ? null : (result.content ?? ''),
    };
    if (toolCalls.length > 0) {
      message.toolCalls = toolCalls;
    }
    return {
      message,
      finishReason: normalizeFinishReason(result.finishReason, toolCalls.length > 0),
      usage: result.usage ?? estimateUsage(request, result.content ?? '', toolCalls),
    };
  }

  /** Stateless streaming: yields text and tool-call deltas as the backend produces them, then one `finish`. */
  async *runStream(messages: ChatMessage[], options: RunOptions = {}): AsyncGenerator<AgentStreamEvent> {
    const request = this.buildRequest(messages, options);
    throwIfAborted(options.signal);
    const reply = new ReplyAccumulator();
    for await (const event of this.model.stream(request, { signal: options.signal })) {
      if (event.type === 'finish') {
        yield {
          type: 'finish',
          finishReason: normalizeFinishReason(event.finishReason, reply.hasToolCalls),
          usage: event.usage ?? estimateUsage(request, reply.text, reply.toolCalls),
        };
        return;
      }
      reply.add(event);
      yield event;
    }
    throwIfAborted(options.signal);
    // A backend that ends without `finish` broke its contract; finish cleanly rather than leave the client hanging.
    yield {
      type: 'finish',
      finishReason: reply.hasToolCalls ? 'tool_calls' : 'stop',
      usage: estimateUsage(request, reply.text, reply.toolCalls),
    };
  }

  /** Stateful: adds `input` to memory, answers the remembered conversation and remembers the reply. */
  async step(input: string | ChatMessage | ChatMessage[], options: RunOptions = {}): Promise<AgentResponse> {
    const added = toMessages(input);
    const response = await this.run([...this.memory.getMessages(), ...added], options);
    this.memory.add(...added, response.message);
    return response;
  }

  /** Stateful streaming; the reply is remembered once the stream completes. */
  async *stepStream(
    input: string | ChatMessage | ChatMessage[],
    options: RunOptions = {},
  ): AsyncGenerator<AgentStreamEvent> {
    const added = toMessages(input);
    const reply = new ReplyAccumulator();
    for await (const event of this.runStream([...this.memory.getMessages(), ...added], options)) {
      if (event.type === 'finish') {
        this.memory.add(...added, reply.message());
      } else {
        reply.add(event);
      }
      yield event;
    }
  }

  reset(): void {
    this.memory.clear();
  }

  /** A new agent with the same configuration and backend, and a copy of the memory. */
  clone(): ChatAgent {
    const copy = new ChatAgent({ ...this.options, model: this.model });
    copy.memory.add(...this.memory.getMessages());
    return copy;
  }

  /** The conversation the model sees: the agent's template, then the request's messages in order. */
  buildConversation(messages: ChatMessage[], policy: SystemMessagePolicy = this.systemMessagePolicy): ChatMessage[] {
    const isInstruction = (message: ChatMessage) => message.role === 'system' || message.role === 'developer';
    const clientHasInstructions = messages.some(isInstruction);
    const conversation: ChatMessage[] = [];
    if (this.systemMessage && !(policy === 'replace' && clientHasInstructions)) {
      conversation.push({ role: 'system', content: this.systemMessage });
    }
    for (const message of messages) {
      if (policy === 'ignore' && isInstruction(message) && this.systemMessage) {
        continue;
      }
      conversation.push(message);
    }
    return conversation;
  }

  private buildRequest(messages: ChatMessage[], options: RunOptions): ModelRequest {
    const { signal: _signal, systemMessagePolicy, ...overrides } = options;
    const request: ModelRequest = { ...this.defaults, messages: this.buildConversation(messages, systemMessagePolicy) };
    for (const [key, value] of Object.entries(overrides)) {
      if (value !== undefined) {
        (request as unknown as Record<string, unknown>)[key] = value;
      }
    }
    return request;
  }

  /**
   * A Nest application serving this agent as an OpenAI-compatible API, ready for `await app.listen(8000)`.
   * Loaded lazily so the core stays usable without the HTTP stack.
   */
  async toOpenAICompatibleServer(options: ServeOptions = {}): Promise<INestApplication> {
    const { createServer } = await import('../server/create-server.js');
    return createServer({ agents: options.modelId ? { [options.modelId]: this } : this });
  }
}

/**
 * `tool_calls` only when calls were actually returned (an agent entering its tool branch with nothing to run hangs,
 * vllm#53255), and never `stop` when calls were returned (agents decide "call vs done" from it).
 */
function normalizeFinishReason(reason: FinishReason, hasToolCalls: boolean): FinishReason {
  if (hasToolCalls) {
    return reason === 'length' ? 'length' : 'tool_calls';
  }
  return reason === 'tool_calls' || reason === 'function_call' ? 'stop' : reason;
}

function estimateUsage(request: ModelRequest, text: string, toolCalls: ToolCall[]): Usage {
  const completion =
    countTextTokens(text) + toolCalls.reduce((n, c) => n + countTextTokens(c.name) + countTextTokens(c.arguments), 0);
  return makeUsage(countPromptTokens(request.messages), Math.max(completion, 1));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AbortedError();
  }
}

function toMessages(input: string | ChatMessage | ChatMessage[]): ChatMessage[] {
  if (typeof input === 'string') {
    return [{ role: 'user', content: input }];
  }
  return Array.isArray(input) ? input : [input];
}
