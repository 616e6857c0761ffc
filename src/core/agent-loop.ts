import { AbortedError } from './errors';
import type { ModelBackend } from './model-backend';
import { newToolCallId } from './random-id';
import { assistantMessage } from './reply-accumulator';
import type { AgentTool } from './tools/tool';
import { ToolCallDeltaFilter } from './tools/tool-call-delta-filter';
import { runToolCalls, toToolMessage, type ToolCallResult } from './tools/tool-runner';
import type { ToolTurnStore } from './tools/tool-turn-store';
import { restoreToolTurns } from './tools/tool-turns';
import { traceModelGenerate, traceModelStream } from './tracing/model-call.tracing'; // tracing hook
import type { ChatMessage, FinishReason, ModelRequest, ModelStreamEvent, ToolCall, ToolChoice, Usage } from './types';
import { estimateUsage, sumUsage } from './usage';

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

/**
 * Streaming events of the agent: the backend's events, with usage always present on `finish`. A client tool call's
 * first event carries its `id` and `name`; later events of the same `index` carry only `arguments` fragments.
 */
export type AgentStreamEvent =
  | Exclude<ModelStreamEvent, { type: 'finish' }>
  | { type: 'finish'; finishReason: FinishReason; usage: Usage }
  /** The agent starts running its own tools (streams use it to keep the connection alive meanwhile). */
  | { type: 'tool-run'; phase: 'start'; calls: ToolCall[] }
  | { type: 'tool-run'; phase: 'end'; results: ToolCallResult[] };

/** What one agent lends to each of its runs. */
export interface AgentLoopContext {
  model: ModelBackend;
  ownTools: ReadonlyMap<string, AgentTool>;
  maxIterations: number;
  toolTurnStore: ToolTurnStore;
  toolTurnTtlMs: number;
}

/** One model call of the loop: what it said and how it ended. */
interface Turn {
  text: string;
  calls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
}

/**
 * One stateless run of the agent: it calls the model, runs the calls the model makes to the agent's own tools, feeds
 * the results back and asks again, until the model answers, calls a client tool (returned to the caller), or
 * `maxIterations` model calls were made. Streamed or not, the same loop: only how a model turn is read differs.
 */
export class AgentLoop {
  private request!: ModelRequest;
  private conversation: ChatMessage[] = [];
  private toolChoice: ToolChoice | undefined;
  /** `none` is enforced, not only forwarded: a backend that ignores it must still not get calls through. */
  private maxCalls = Infinity;
  private readonly usages: Usage[] = [];
  private readonly agentToolCalls: ToolCall[] = [];
  private readonly agentMessages: ChatMessage[] = [];
  private text = '';

  constructor(
    private readonly context: AgentLoopContext,
    private readonly signal: AbortSignal | undefined,
    private readonly streaming: boolean,
  ) {}

  /**
   * Runs on the caller's history. `prepare` turns the history (with the agent's half of mixed tool turns restored)
   * into the first model request. The generator is the loop itself: each layer of async generator costs promises
   * per streamed event.
   */
  async *run(
    messages: ChatMessage[],
    prepare: (history: ChatMessage[]) => ModelRequest,
  ): AsyncGenerator<AgentStreamEvent, AgentResponse> {
    throwIfAborted(this.signal);
    const { ownTools, maxIterations, toolTurnStore } = this.context;
    const history = ownTools.size > 0 ? await restoreToolTurns(messages, toolTurnStore) : messages;
    this.request = prepare(history);
    this.conversation = [...this.request.messages];
    this.toolChoice = this.request.toolChoice;
    this.maxCalls = this.toolChoice === 'none' ? 0 : this.request.parallelToolCalls === false ? 1 : Infinity;
    for (let iteration = 1; ; iteration++) {
      throwIfAborted(this.signal);
      const turn = yield* this.modelTurn();
      const ownCalls = turn.calls.filter((call) => ownTools.has(call.name));
      const clientCalls = turn.calls.filter((call) => !ownTools.has(call.name));
      if (ownCalls.length === 0 || turn.finishReason === 'length') {
        return yield* this.finish(clientCalls, normalizeFinishReason(turn.finishReason, clientCalls.length > 0));
      }
      // The limit counts model calls: a turn that goes back to the client needs no further one, so it completes
      // (its client calls may already be streamed).
      if (clientCalls.length === 0 && iteration >= maxIterations) {
        return yield* this.stopAtLimit();
      }
      const toolMessages = yield* this.runOwnTools(ownCalls);
      const assistant: ChatMessage = { role: 'assistant', content: turn.text || null, toolCalls: turn.calls };
      if (clientCalls.length > 0) {
        // The client gets its calls back now; its results will come in a new request, where the model must see this
        // whole turn again (restoreToolTurns).
        const clientCallIds = clientCalls.map((call) => call.id);
        await this.context.toolTurnStore.save(
          { assistant, ownResults: toolMessages, clientCallIds },
          this.context.toolTurnTtlMs,
        );
        return yield* this.finish(clientCalls, 'tool_calls');
      }
      this.conversation.push(assistant, ...toolMessages);
      this.agentMessages.push(assistant, ...toolMessages);
      // A forced choice was satisfied by this turn; forcing it again would loop until the limit.
      if (this.toolChoice === 'required' || typeof this.toolChoice === 'object') {
        this.toolChoice = 'auto';
      }
    }
  }

  /** One model call on the conversation so far; its text joins the earlier turns' with a paragraph break. */
  private async *modelTurn(): AsyncGenerator<AgentStreamEvent, Turn> {
    const request: ModelRequest = { ...this.request, messages: [...this.conversation], toolChoice: this.toolChoice };
    if (request.toolChoice === undefined) {
      delete request.toolChoice;
    }
    const separator = this.text && !/\s$/.test(this.text) ? '\n\n' : '';
    const turn = this.streaming ? yield* this.streamTurn(request, separator) : await this.generateTurn(request);
    this.usages.push(turn.usage);
    if (turn.text) {
      this.text += separator + turn.text;
    }
    return turn;
  }

  private async *streamTurn(request: ModelRequest, separator: string): AsyncGenerator<AgentStreamEvent, Turn> {
    const filter = new ToolCallDeltaFilter({
      isOwn: (name) => this.context.ownTools.has(name),
      maxCalls: this.maxCalls,
      freshIds: this.context.ownTools.size > 0,
    });
    let text = '';
    let finish: Extract<ModelStreamEvent, { type: 'finish' }> | undefined;
    // tracing hook: the model call inside its `chat` span
    for await (const event of traceModelStream(this.context.model, request, { signal: this.signal })) {
      if (event.type === 'finish') {
        finish = event;
        break;
      }
      if (event.type === 'tool-call') {
        yield* filter.accept(event);
      } else if (event.text) {
        yield { type: 'text', text: text || !separator ? event.text : separator + event.text };
        text += event.text;
      }
    }
    throwIfAborted(this.signal);
    yield* filter.flush();
    const calls = filter.toolCalls;
    // A backend that ends without `finish` broke its contract; finish cleanly rather than leave the client hanging.
    const finishReason = finish?.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop');
    return { text, calls, finishReason, usage: finish?.usage ?? estimateUsage(request.messages, text, calls) };
  }

  private async generateTurn(request: ModelRequest): Promise<Turn> {
    const result = await traceModelGenerate(this.context.model, request, { signal: this.signal }); // tracing hook
    const text = result.content ?? '';
    const freshIds = this.context.ownTools.size > 0;
    const calls = result.toolCalls
      .slice(0, this.maxCalls)
      .map((call) => ({ ...call, id: freshIds || !call.id ? newToolCallId() : call.id }));
    const usage = result.usage ?? estimateUsage(request.messages, text, calls);
    return { text, calls, finishReason: result.finishReason, usage };
  }

  /** Runs the agent's own calls of a turn; their tool messages, in call order. */
  private async *runOwnTools(calls: ToolCall[]): AsyncGenerator<AgentStreamEvent, ChatMessage[]> {
    this.agentToolCalls.push(...calls);
    yield { type: 'tool-run', phase: 'start', calls };
    const signal = this.signal ?? new AbortController().signal;
    const results = await runToolCalls(calls, this.context.ownTools, signal);
    // A client that left while the tools ran gets no further model calls.
    throwIfAborted(this.signal);
    yield { type: 'tool-run', phase: 'end', results };
    return results.map(toToolMessage);
  }

  private *stopAtLimit(): Generator<AgentStreamEvent, AgentResponse> {
    const limit = this.context.maxIterations;
    const note = `[The agent stopped: it reached its limit of ${limit} model calls before finishing.]`;
    const noteText = this.text && !/\s$/.test(this.text) ? `\n\n${note}` : note;
    if (this.streaming) {
      yield { type: 'text', text: noteText };
    }
    this.text += noteText;
    const response = yield* this.finish([], 'stop');
    response.iterationLimitReached = true;
    return response;
  }

  private *finish(clientCalls: ToolCall[], finishReason: FinishReason): Generator<AgentStreamEvent, AgentResponse> {
    const usage = sumUsage(this.usages);
    if (this.streaming) {
      yield { type: 'finish', finishReason, usage };
    }
    const response: AgentResponse = { message: assistantMessage(this.text, clientCalls), finishReason, usage };
    if (this.agentToolCalls.length > 0) {
      response.agentToolCalls = this.agentToolCalls;
    }
    if (this.agentMessages.length > 0) {
      response.agentMessages = this.agentMessages;
    }
    return response;
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

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AbortedError();
  }
}
