import type { AgentResponse, AgentStreamEvent } from '../core/chat-agent';
import { newToolCallId } from '../core/random-id';
import { toToolMessage } from '../core/tools/tool-runner';
import type { ChatMessage, FinishReason, ToolCall, Usage } from '../core/types';
import type {
  WireCustomToolCall,
  WireFunctionCall,
  WireOutputItem,
  WireOutputMessage,
  WireResponse,
  WireResponseStreamEventBody as Body,
} from '../openai/responses.types';
import { customInput, type ClientTools } from './client-tools';
import {
  callItem,
  messageItem,
  type ResponseHead,
  type ResponseIds,
  statusOf,
  toResponseError,
  toWireResponse,
} from './response-output.mapper';

interface OpenText {
  outputIndex: number;
  id: string;
  text: string;
}

interface OpenCall {
  outputIndex: number;
  call: ToolCall;
}

/**
 * The agent's stream events as Responses stream events, for one response. It keeps what the events need (which
 * output item is open, each call's arguments so far) and what the end needs: the whole answer, and the agent's own
 * tool turns as the model saw them, rebuilt from the `tool-run` events (a run that follows client calls of the same
 * turn is a mixed turn, which the agent keeps in its ToolTurnStore instead).
 */
export class ResponseStreamMapper {
  private readonly output: WireOutputItem[] = [];
  private textItem?: OpenText;
  private readonly calls = new Map<number, OpenCall>();
  private text = '';
  private readonly agentMessages: ChatMessage[] = [];
  private runCalls: ToolCall[] = [];
  private clientCallsSinceRun = false;
  private mixedRun = false;
  private finishReason: FinishReason = 'stop';
  private usage: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

  constructor(
    private readonly head: ResponseHead,
    private readonly ids: ResponseIds,
    private readonly tools: ClientTools,
  ) {}

  start(): Body[] {
    const response = this.snapshot('in_progress');
    return [
      { type: 'response.created', response },
      { type: 'response.in_progress', response },
    ];
  }

  accept(event: AgentStreamEvent): Body[] {
    switch (event.type) {
      case 'text':
        return this.onText(event.text);
      case 'tool-call':
        return this.onToolCall(event);
      case 'tool-run':
        if (event.phase === 'start') {
          this.runCalls = event.calls;
          this.mixedRun = this.clientCallsSinceRun;
        } else if (!this.mixedRun) {
          this.agentMessages.push(
            { role: 'assistant', content: null, toolCalls: this.runCalls },
            ...event.results.map(toToolMessage),
          );
        }
        this.clientCallsSinceRun = false;
        return [];
      case 'finish':
        this.finishReason = event.finishReason;
        this.usage = event.usage;
        return [];
    }
  }

  /** Closes every open item; then the answer, to store before the final event (`completed`) goes out. */
  finish(): { events: Body[]; response: AgentResponse } {
    const events = this.closeText();
    for (const open of [...this.calls.values()].sort((a, b) => a.outputIndex - b.outputIndex)) {
      events.push(...this.closeCall(open));
    }
    const calls = [...this.calls.values()].map((open) => open.call);
    const response: AgentResponse = {
      message: {
        role: 'assistant',
        content: calls.length > 0 && !this.text ? null : this.text,
        ...(calls.length > 0 ? { toolCalls: calls } : {}),
      },
      finishReason: this.finishReason,
      usage: this.usage,
      ...(this.agentMessages.length > 0 ? { agentMessages: this.agentMessages } : {}),
    };
    if (this.output.length === 0) {
      // A reply with no text and no calls is still one (empty) message, as in the JSON response.
      const item = messageItem(this.ids.item('msg'), '', this.finishReason === 'length' ? 'incomplete' : 'completed');
      this.output.push(item);
      events.push({ type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress' } });
      events.push({ type: 'response.output_item.done', output_index: 0, item });
    }
    return { events, response };
  }

  /** The last event: `response.completed`, or `response.incomplete` when the token limit cut the answer. */
  final(): Extract<Body, { response: WireResponse }> {
    const response = this.snapshot(statusOf(this.finishReason), this.usage);
    return { type: response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', response };
  }

  /** A failure after the stream started: `response.failed`, with the output so far. */
  failed(error: unknown): Body {
    return { type: 'response.failed', response: this.snapshot('failed', undefined, error) };
  }

  private snapshot(status: WireResponse['status'], usage?: Usage, error?: unknown): WireResponse {
    const output = this.output.map((item) => structuredClone(item));
    return toWireResponse(this.head, status, output, usage, error === undefined ? undefined : toResponseError(error));
  }

  private onText(delta: string): Body[] {
    this.text += delta;
    const events: Body[] = [];
    if (!this.textItem) {
      const id = this.ids.item('msg');
      const item = messageItem(id, '', 'in_progress');
      this.textItem = { outputIndex: this.output.length, id, text: '' };
      this.output.push(item);
      const at = { item_id: id, output_index: this.textItem.outputIndex, content_index: 0 };
      events.push({ type: 'response.output_item.added', output_index: at.output_index, item: structuredClone(item) });
      events.push({ type: 'response.content_part.added', ...at, part: item.content[0] });
    }
    const open = this.textItem;
    open.text += delta;
    (this.output[open.outputIndex] as WireOutputMessage).content[0].text = open.text;
    events.push({
      type: 'response.output_text.delta',
      item_id: open.id,
      output_index: open.outputIndex,
      content_index: 0,
      delta,
      logprobs: [],
    });
    return events;
  }

  private closeText(): Body[] {
    const open = this.textItem;
    if (!open) {
      return [];
    }
    this.textItem = undefined;
    const item = this.output[open.outputIndex] as WireOutputMessage;
    item.status = this.finishReason === 'length' ? 'incomplete' : 'completed';
    const at = { item_id: open.id, output_index: open.outputIndex, content_index: 0 };
    return [
      { type: 'response.output_text.done', ...at, text: open.text, logprobs: [] },
      { type: 'response.content_part.done', ...at, part: item.content[0] },
      { type: 'response.output_item.done', output_index: open.outputIndex, item: structuredClone(item) },
    ];
  }

  private onToolCall(event: Extract<AgentStreamEvent, { type: 'tool-call' }>): Body[] {
    this.clientCallsSinceRun = true;
    let open = this.calls.get(event.index);
    const events: Body[] = [];
    if (!open) {
      // The message before the calls is complete: OpenAI closes it before a call's item starts.
      events.push(...this.closeText());
      const call: ToolCall = { id: event.id || newToolCallId(), name: event.name ?? '', arguments: '' };
      const item = callItem(this.ids, call, this.tools) as WireFunctionCall | WireCustomToolCall;
      call.id = item.call_id;
      open = { outputIndex: this.output.length, call };
      this.calls.set(event.index, open);
      this.output.push(item);
      events.push({
        type: 'response.output_item.added',
        output_index: open.outputIndex,
        item: item.type === 'function_call' ? { ...item, status: 'in_progress' } : { ...item },
      });
    }
    const delta = event.arguments ?? '';
    if (!delta) {
      return events;
    }
    open.call.arguments += delta;
    const item = this.output[open.outputIndex];
    if (item.type === 'function_call') {
      item.arguments = open.call.arguments;
      // A custom tool's input is JSON inside the agent; it goes out decoded, in one piece, when the call ends.
      events.push({
        type: 'response.function_call_arguments.delta',
        item_id: item.id,
        output_index: open.outputIndex,
        delta,
      });
    }
    return events;
  }

  private closeCall(open: OpenCall): Body[] {
    const item = this.output[open.outputIndex];
    const at = { item_id: item.id, output_index: open.outputIndex };
    if (item.type === 'custom_tool_call') {
      item.input = customInput(open.call.arguments);
      return [
        { type: 'response.custom_tool_call_input.delta', ...at, delta: item.input },
        { type: 'response.custom_tool_call_input.done', ...at, input: item.input },
        { type: 'response.output_item.done', output_index: open.outputIndex, item: { ...item } },
      ];
    }
    if (item.type === 'function_call') {
      item.status = 'completed';
      return [
        { type: 'response.function_call_arguments.done', ...at, name: item.name, arguments: item.arguments },
        { type: 'response.output_item.done', output_index: open.outputIndex, item: { ...item } },
      ];
    }
    return [];
  }
}
