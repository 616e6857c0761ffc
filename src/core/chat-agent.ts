import type { INestApplication } from '@nestjs/common';
import { ChatMemory } from './chat-memory';
import { AbortedError } from './errors';
import { isModelBackend, type ModelBackend } from './model-backend';
import { ModelFactory } from './model-factory';
import { ReplyAccumulator } from './reply-accumulator';
import { countPromptTokens, countTextTokens, makeUsage } from './tokens';
import { InMemoryToolTurnStore } from './tools/in-memory-tool-turn-store';
import type { AgentTool } from './tools/tool';
import { newToolCallId } from './tools/tool-call-id';
import { ToolCallDeltaFilter } from './tools/tool-call-delta-filter';
import { runToolCalls, toToolMessage, type ToolCallResult } from './tools/tool-runner';
import type { ToolTurnStore } from './tools/tool-turn-store';
import { restoreToolTurns } from './tools/tool-turns';
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
  /** Tools the agent runs itself, on the server (e.g. `FunctionTool`s). Clients never see these calls. */
  tools?: AgentTool[];
  /** Most model calls one request may make while the agent runs its own tools; default 10. */
  maxIterations?: number;
  /**
   * Where mixed turns (the model called the agent's tools and the client's at once) wait for the client's results.
   * Default: in this process's memory. Use a shared store when several replicas serve the agent.
   */
  toolTurnStore?: ToolTurnStore;
  /** How long a mixed turn waits for the client's results; default 15 minutes. */
  toolTurnTtlMs?: number;
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
  /** The sum over every model call the request made. */
  usage: Usage;
  /** True when the agent stopped because it reached `maxIterations` (the message says so too). */
  iterationLimitReached?: boolean;
  /** The calls the agent ran itself with its own tools, in order (never part of `message`). */
  agentToolCalls?: ToolCall[];
  /**
   * The agent's own completed tool turns as the model saw them: each assistant message with its calls, then the
   * tool messages with their results. A mixed turn handed to the client is not here (it waits in the ToolTurnStore).
   * Lets a server that keeps conversations (the Responses API) show the model its own work in later turns.
   */
  agentMessages?: ChatMessage[];
}

/** Streaming events of the agent: the backend's events, with usage always present on `finish`. */
export type AgentStreamEvent =
  | Exclude<ModelStreamEvent, { type: 'finish' }>
  | { type: 'finish'; finishReason: FinishReason; usage: Usage }
  /** The agent starts running its own tools (streams use it to keep the connection alive meanwhile). */
  | { type: 'tool-run'; phase: 'start'; calls: ToolCall[] }
  | { type: 'tool-run'; phase: 'end'; results: ToolCallResult[] };

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
  private readonly ownTools: ReadonlyMap<string, AgentTool>;
  private readonly maxIterations: number;
  private toolTurnStore: ToolTurnStore;
  private readonly toolTurnTtlMs: number;

  constructor(private readonly options: ChatAgentOptions) {
    const {
      systemMessage,
      model,
      memoryWindow,
      systemMessagePolicy,
      tools,
      maxIterations,
      toolTurnStore,
      toolTurnTtlMs,
      ...defaults
    } = options;
    const ownTools = new Map<string, AgentTool>();
    for (const tool of tools ?? []) {
      if (ownTools.has(tool.definition.name)) {
        throw new TypeError(`Two tools are named '${tool.definition.name}'.`);
      }
      ownTools.set(tool.definition.name, tool);
    }
    this.ownTools = ownTools;
    this.maxIterations = Math.max(1, maxIterations ?? 10);
    this.toolTurnStore = toolTurnStore ?? new InMemoryToolTurnStore();
    this.toolTurnTtlMs = toolTurnTtlMs ?? 15 * 60_000;
    this.systemMessage = systemMessage;
    this.model = isModelBackend(model) ? model : ModelFactory.create(model);
    this.memory = new ChatMemory(memoryWindow);
    this.systemMessagePolicy = systemMessagePolicy ?? 'append';
    this.defaults = defaults;
  }

  /**
   * Stateless: answers `messages` (the whole history) without touching memory. With tools of its own the agent
   * loops: it runs the calls the model makes to its tools, feeds the results back and asks again, until the model
   * answers, calls a client tool (returned to the caller), or `maxIterations` model calls were made.
   */
  async run(messages: ChatMessage[], options: RunOptions = {}): Promise<AgentResponse> {
    const loop = this.loop(messages, options, false);
    for (;;) {
      const next = await loop.next();
      if (next.done) {
        return next.value;
      }
    }
  }

  /**
   * Stateless streaming: yields text and client tool-call deltas as the backend produces them, `tool-run` events
   * around the agent's own tool runs, then one `finish` with the usage of every model call.
   */
  runStream(messages: ChatMessage[], options: RunOptions = {}): AsyncGenerator<AgentStreamEvent> {
    // The loop itself, not a generator delegating to it: each layer of async generator costs promises per event.
    return this.loop(messages, options, true);
  }

  /** The agent's own tools, by name. */
  get tools(): ReadonlyMap<string, AgentTool> {
    return this.ownTools;
  }

  private async *loop(
    messages: ChatMessage[],
    options: RunOptions,
    streaming: boolean,
  ): AsyncGenerator<AgentStreamEvent, AgentResponse> {
    const signal = options.signal;
    throwIfAborted(signal);
    const hasOwnTools = this.ownTools.size > 0;
    const history = hasOwnTools ? await restoreToolTurns(messages, this.toolTurnStore) : messages;
    const request = this.buildRequest(history, options);
    const conversation = [...request.messages];
    let toolChoice = request.toolChoice;
    // `none` is enforced, not only forwarded: a backend that ignores it must still not get calls through.
    const maxCalls = toolChoice === 'none' ? 0 : request.parallelToolCalls === false ? 1 : Infinity;
    const usages: Usage[] = [];
    const agentToolCalls: ToolCall[] = [];
    const agentMessages: ChatMessage[] = [];
    let text = '';

    for (let iteration = 1; ; iteration++) {
      throwIfAborted(signal);
      const turnRequest: ModelRequest = { ...request, messages: [...conversation], toolChoice };
      if (turnRequest.toolChoice === undefined) {
        delete turnRequest.toolChoice;
      }
      // Later turns' text joins the earlier text with a paragraph break, identically streamed and not.
      const separator = text && !/\s$/.test(text) ? '\n\n' : '';
      let turnText = '';
      let calls: ToolCall[];
      let finishReason: FinishReason;
      let usage: Usage | undefined;
      if (streaming) {
        const filter = new ToolCallDeltaFilter({
          isOwn: (name) => this.ownTools.has(name),
          maxCalls,
          freshIds: hasOwnTools,
        });
        finishReason = 'stop';
        let finished = false;
        for await (const event of this.model.stream(turnRequest, { signal })) {
          if (event.type === 'finish') {
            finishReason = event.finishReason;
            usage = event.usage;
            finished = true;
            break;
          }
          if (event.type === 'text') {
            if (!event.text) {
              continue;
            }
            yield { type: 'text', text: turnText || !separator ? event.text : separator + event.text };
            turnText += event.text;
          } else {
            yield* filter.accept(event);
          }
        }
        throwIfAborted(signal);
        yield* filter.flush();
        calls = filter.toolCalls;
        if (!finished) {
          // A backend that ends without `finish` broke its contract; finish cleanly rather than leave the client hanging.
          finishReason = calls.length > 0 ? 'tool_calls' : 'stop';
        }
      } else {
        const result = await this.model.generate(turnRequest, { signal });
        turnText = result.content ?? '';
        calls = result.toolCalls
          .slice(0, maxCalls)
          .map((call) => ({ ...call, id: hasOwnTools || !call.id ? newToolCallId() : call.id }));
        finishReason = result.finishReason;
        usage = result.usage;
      }
      usages.push(usage ?? estimateUsage(turnRequest, turnText, calls));
      if (turnText) {
        text += separator + turnText;
      }

      const ownCalls = calls.filter((call) => this.ownTools.has(call.name));
      const clientCalls = calls.filter((call) => !this.ownTools.has(call.name));
      if (ownCalls.length === 0 || finishReason === 'length') {
        return yield* this.finish(
          text,
          clientCalls,
          normalizeFinishReason(finishReason, clientCalls.length > 0),
          usages,
          { calls: agentToolCalls, messages: agentMessages },
          streaming,
        );
      }
      // The limit counts model calls: a turn that goes back to the client needs no further one, so it completes
      // (its client calls may already be streamed).
      if (clientCalls.length === 0 && iteration >= this.maxIterations) {
        const note = `[The agent stopped: it reached its limit of ${this.maxIterations} model calls before finishing.]`;
        const noteText = text && !/\s$/.test(text) ? `\n\n${note}` : note;
        if (streaming) {
          yield { type: 'text', text: noteText };
        }
        const response = yield* this.finish(
          text + noteText,
          [],
          'stop',
          usages,
          { calls: agentToolCalls, messages: agentMessages },
          streaming,
        );
        response.iterationLimitReached = true;
        return response;
      }

      agentToolCalls.push(...ownCalls);
      yield { type: 'tool-run', phase: 'start', calls: ownCalls };
      const results = await runToolCalls(ownCalls, this.ownTools, signal ?? new AbortController().signal);
      // A client that left while the tools ran gets no further model calls.
      throwIfAborted(signal);
      yield { type: 'tool-run', phase: 'end', results };

      const assistant: ChatMessage = { role: 'assistant', content: turnText || null, toolCalls: calls };
      const toolMessages = results.map(toToolMessage);
      if (clientCalls.length > 0) {
        // The client gets its calls back now; its results will come in a new request, where the model must see
        // this whole turn again (restoreToolTurns).
        await this.toolTurnStore.save(
          { assistant, ownResults: toolMessages, clientCallIds: clientCalls.map((call) => call.id) },
          this.toolTurnTtlMs,
        );
        return yield* this.finish(
          text,
          clientCalls,
          'tool_calls',
          usages,
          { calls: agentToolCalls, messages: agentMessages },
          streaming,
        );
      }
      conversation.push(assistant, ...toolMessages);
      agentMessages.push(assistant, ...toolMessages);
      // A forced choice was satisfied by this turn; forcing it again would loop until the limit.
      if (toolChoice === 'required' || typeof toolChoice === 'object') {
        toolChoice = 'auto';
      }
    }
  }

  private *finish(
    text: string,
    clientCalls: ToolCall[],
    finishReason: FinishReason,
    usages: Usage[],
    agentTools: { calls: ToolCall[]; messages: ChatMessage[] },
    streaming: boolean,
  ): Generator<AgentStreamEvent, AgentResponse> {
    const usage = sumUsage(usages);
    if (streaming) {
      yield { type: 'finish', finishReason, usage };
    }
    const message: AssistantMessage = {
      role: 'assistant',
      content: clientCalls.length > 0 && !text ? null : text,
    };
    if (clientCalls.length > 0) {
      message.toolCalls = clientCalls;
    }
    const response: AgentResponse = { message, finishReason, usage };
    if (agentTools.calls.length > 0) {
      response.agentToolCalls = agentTools.calls;
    }
    if (agentTools.messages.length > 0) {
      response.agentMessages = agentTools.messages;
    }
    return response;
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
      } else if (event.type === 'text' || event.type === 'tool-call') {
        reply.add(event);
      }
      yield event;
    }
  }

  reset(): void {
    this.memory.clear();
  }

  /**
   * The server's store for mixed tool turns (Redis when replicas share state), taken only by an agent built
   * without a `toolTurnStore` of its own.
   */
  useDefaultToolTurnStore(store: ToolTurnStore): void {
    if (!this.options.toolTurnStore) {
      this.toolTurnStore = store;
    }
  }

  /** A new agent with the same configuration and backend, and a copy of the memory. */
  clone(): ChatAgent {
    // Same tools and the same turn store: a mixed turn started by one copy can be finished by the other.
    const copy = new ChatAgent({ ...this.options, model: this.model, toolTurnStore: this.toolTurnStore });
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
    if (this.ownTools.size > 0) {
      // The model sees the agent's tools and the client's; on a name clash the agent's own tool wins.
      const own = [...this.ownTools.values()].map((tool) => tool.definition);
      const clientTools = (request.tools ?? []).filter((tool) => !this.ownTools.has(tool.name));
      request.tools = [...own, ...clientTools];
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

function sumUsage(usages: Usage[]): Usage {
  return makeUsage(
    usages.reduce((sum, u) => sum + u.promptTokens, 0),
    usages.reduce((sum, u) => sum + u.completionTokens, 0),
  );
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
