import { AgentLoop, type AgentResponse, type AgentStreamEvent } from './agent-loop';
import { ChatMemory } from './chat-memory';
import { isModelBackend, type ModelBackend } from './model-backend';
import { ModelFactory } from './model-factory';
import { ReplyAccumulator } from './reply-accumulator';
import { InMemoryToolTurnStore } from './tools/in-memory-tool-turn-store';
import type { AgentTool } from './tools/tool';
import type { ToolTurnStore } from './tools/tool-turn-store';
import { traceAgentRun } from './tracing/agent-run.tracing'; // tracing hook
import type { ChatMessage, GenerationOptions, ModelRequest } from './types';

export type { AgentResponse, AgentStreamEvent, AssistantMessage } from './agent-loop';

/** What to do with a client's own system/developer messages, given the agent has a system message of its own. */
export const SYSTEM_MESSAGE_POLICIES = ['append', 'replace', 'ignore'] as const;
export type SystemMessagePolicy = (typeof SYSTEM_MESSAGE_POLICIES)[number];

export interface ChatAgentOptions extends Omit<GenerationOptions, 'tools' | 'toolChoice'> {
  /** The agent's name in traces (`invoke_agent {name}`, `gen_ai.agent.name`). */
  name?: string; // tracing hook
  /** The agent's own instructions, always first in the conversation the model sees. */
  systemMessage?: string;
  /**
   * What the agent does, in a sentence or two, for people and other agents choosing it (the A2A agent card). Public,
   * unlike the system message; when unset the card falls back to the system message.
   */
  description?: string;
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

/**
 * What `toOpenAICompatibleServer()` resolves to. The server fills this in by a type-level augmentation
 * (src/server/create-server.ts), so the core names no framework type and imports nothing from the server.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ServerTypes {}
export type AgentServer = ServerTypes extends { app: infer App } ? App : { listen(port: number): Promise<unknown> };

type ServerFactory = (agents: ChatAgent | Record<string, ChatAgent>) => Promise<AgentServer>;
let serverFactory: ServerFactory | undefined;

/** Called once by the server module when it loads: how an agent becomes a served application. */
export function provideServerFactory(factory: ServerFactory): void {
  serverFactory = factory;
}

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
  readonly name?: string; // tracing hook
  readonly systemMessage?: string;
  readonly description?: string;
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
      name, // tracing hook
      systemMessage,
      description,
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
    this.name = name; // tracing hook
    this.systemMessage = systemMessage;
    this.description = description;
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
    return this.loop(messages, options, true);
  }

  private loop(
    messages: ChatMessage[],
    options: RunOptions,
    streaming: boolean,
  ): AsyncGenerator<AgentStreamEvent, AgentResponse> {
    const context = {
      model: this.model,
      ownTools: this.ownTools,
      maxIterations: this.maxIterations,
      toolTurnStore: this.toolTurnStore,
      toolTurnTtlMs: this.toolTurnTtlMs,
    };
    const loop = new AgentLoop(context, options.signal, streaming);
    const run = loop.run(messages, (history) => this.buildRequest(history, options));
    // tracing hook: the run inside its `invoke_agent` span, each step of the loop in the span's context
    return traceAgentRun(this, run, messages, options.signal);
  }

  /** The agent's own tools, by name. */
  get tools(): ReadonlyMap<string, AgentTool> {
    return this.ownTools;
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
   * A Nest application serving this agent as an OpenAI-compatible API, ready for `await app.listen(8000)`. The server
   * comes with the package entry (`chat-agent-server`); the core alone stays usable without the HTTP stack.
   */
  async toOpenAICompatibleServer(options: ServeOptions = {}): Promise<AgentServer> {
    if (!serverFactory) {
      throw new Error("The server is not loaded: import ChatAgent from 'chat-agent-server' (the package entry).");
    }
    return serverFactory(options.modelId ? { [options.modelId]: this } : this);
  }
}

function toMessages(input: string | ChatMessage | ChatMessage[]): ChatMessage[] {
  if (typeof input === 'string') {
    return [{ role: 'user', content: input }];
  }
  return Array.isArray(input) ? input : [input];
}
