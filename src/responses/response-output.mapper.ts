import { randomBytes } from 'node:crypto';
import type { AgentResponse } from '../core/chat-agent';
import { ApiError } from '../core/errors';
import type { ChatMessage, FinishReason, ToolCall, Usage } from '../core/types';
import type {
  WireOutputItem,
  WireOutputMessage,
  WireResponse,
  WireResponseError,
  WireResponseStatus,
  WireResponseUsage,
} from '../openai/responses.types';
import { customInput, type ClientTools } from './client-tools';
import type { ResponseEcho } from './response-request.mapper';

/**
 * The ids of one response and its items. Item ids carry the response's own random part (`msg_<hex>_3`), so an
 * `item_reference` names the stored response holding the item without an index of every item.
 */
export class ResponseIds {
  private readonly hex = randomBytes(12).toString('hex');
  readonly id = `resp_${this.hex}`;
  private next = 0;

  item(prefix: 'msg' | 'fc' | 'ctc' | 'fco' | 'ctco'): string {
    return `${prefix}_${this.hex}_${this.next++}`;
  }
}

/** The stored response an item id made by this server belongs to (client-made ids have none). */
export function responseIdOfItem(itemId: string): string | undefined {
  const match = /^[a-z]+_([0-9a-f]{24})_\d+$/.exec(itemId);
  return match ? `resp_${match[1]}` : undefined;
}

export function toWireUsage(usage: Usage): WireResponseUsage {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.totalTokens,
  };
}

/** What every snapshot of one response shares: ids, creation time, model and the request's echoed parameters. */
export interface ResponseHead {
  id: string;
  createdAt: number;
  model: string;
  echo: ResponseEcho;
}

export function toWireResponse(
  head: ResponseHead,
  status: WireResponseStatus,
  output: WireOutputItem[],
  usage?: Usage,
  error?: WireResponseError,
): WireResponse {
  const now = Math.floor(Date.now() / 1000);
  return {
    id: head.id,
    object: 'response',
    created_at: head.createdAt,
    status,
    completed_at: status === 'completed' ? now : null,
    error: error ?? null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    model: head.model,
    output,
    // OpenAI's schema has no null for these: absent until known.
    ...(usage ? { usage: toWireUsage(usage) } : {}),
    background: false,
    service_tier: 'default',
    ...head.echo,
  };
}

export function statusOf(finishReason: FinishReason): WireResponseStatus {
  return finishReason === 'length' ? 'incomplete' : 'completed';
}

/** A failure after the response started, as `response.failed` carries it. */
export function toResponseError(error: unknown): WireResponseError {
  if (error instanceof ApiError) {
    return { code: error.status === 429 ? 'rate_limit_exceeded' : 'server_error', message: error.message };
  }
  return { code: 'server_error', message: 'The server had an error while processing your request.' };
}

export function messageItem(id: string, text: string, status: WireOutputMessage['status']): WireOutputMessage {
  return {
    type: 'message',
    id,
    role: 'assistant',
    status,
    content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  };
}

/** A client tool call as its output item: `custom_tool_call` for a custom tool, `function_call` otherwise. */
export function callItem(ids: ResponseIds, call: ToolCall, tools: ClientTools): WireOutputItem {
  const namespace = tools.namespaceOf(call.name);
  const inNamespace = namespace ? { namespace } : {};
  if (tools.isCustom(call.name)) {
    return {
      type: 'custom_tool_call',
      id: ids.item('ctc'),
      call_id: call.id,
      name: call.name,
      input: customInput(call.arguments),
      ...inNamespace,
    };
  }
  return {
    type: 'function_call',
    id: ids.item('fc'),
    call_id: call.id,
    name: call.name,
    arguments: call.arguments,
    status: 'completed',
    ...inNamespace,
  };
}

/** The agent's answer as output items: its text as one message, then the client's tool calls. */
export function outputItems(response: AgentResponse, ids: ResponseIds, tools: ClientTools): WireOutputItem[] {
  const items: WireOutputItem[] = [];
  const text = typeof response.message.content === 'string' ? response.message.content : '';
  const calls = response.message.toolCalls ?? [];
  if (text || calls.length === 0) {
    items.push(messageItem(ids.item('msg'), text, response.finishReason === 'length' ? 'incomplete' : 'completed'));
  }
  for (const call of calls) {
    items.push(callItem(ids, call, tools));
  }
  return items;
}

/**
 * What a later turn replays of this one: the agent's own tool turns (their text left out: the final message holds
 * all of the turn's text), then the answer with the client's calls, whose ids let the agent restore a mixed turn.
 */
export function turnMessages(response: AgentResponse): ChatMessage[] {
  const ownWork = (response.agentMessages ?? []).map((message) =>
    message.role === 'assistant' ? { ...message, content: null } : message,
  );
  return [...ownWork, response.message];
}
