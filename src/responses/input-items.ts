import { ApiError } from '../core/errors';
import type { ChatMessage, ContentPart, ToolCall } from '../core/types';
import { customArguments } from './client-tools';
import { isJsonObject } from '../core/json-object';

type Json = Record<string, unknown>;

/** One input item, checked and in the wire form the input_items list shows (an `id` is added when stored). */
export type InputItem = Json & { type: string; id?: string };

const ROLES = new Set(['user', 'system', 'developer', 'assistant']);
/** Item types the model sees; other types (reasoning, hosted tool calls) are accepted and left out. */
const KNOWN = new Set([
  'message',
  'function_call',
  'function_call_output',
  'custom_tool_call',
  'custom_tool_call_output',
  'item_reference',
]);

function requireString(item: Json, field: string, param: string): string {
  const value = item[field];
  if (typeof value !== 'string') {
    throw ApiError.invalidRequest(`Invalid '${param}.${field}': expected a string.`, `${param}.${field}`);
  }
  return value;
}

/**
 * Checks one input item and puts it in the form OpenAI lists it in (parts for message content, `status`). Items may
 * carry ids the client made up (`msg_…`, `fco_…`); those are kept. Unknown item types are dropped, never a 400.
 */
export function checkItem(item: unknown, param: string): InputItem[] {
  if (!isJsonObject(item)) {
    throw ApiError.invalidRequest(`Invalid '${param}': expected an input item object.`, param);
  }
  // An "easy" message has a role and no type.
  const type = item.type === undefined && 'role' in item ? 'message' : item.type;
  if (typeof type !== 'string') {
    throw ApiError.invalidRequest(`Invalid '${param}.type': expected a string.`, `${param}.type`);
  }
  if (!KNOWN.has(type)) {
    return [];
  }
  const id = typeof item.id === 'string' && item.id ? { id: item.id } : {};
  switch (type) {
    case 'message':
      return [{ type, ...id, ...checkMessage(item, param) }];
    case 'function_call': {
      const namespace = typeof item.namespace === 'string' ? { namespace: item.namespace } : {};
      return [
        {
          type,
          ...id,
          call_id: requireString(item, 'call_id', param),
          name: requireString(item, 'name', param),
          arguments: toArguments(item.arguments, param),
          ...namespace,
          status: 'completed',
        },
      ];
    }
    case 'custom_tool_call':
      return [
        {
          type,
          ...id,
          call_id: requireString(item, 'call_id', param),
          name: requireString(item, 'name', param),
          input: requireString(item, 'input', param),
          status: 'completed',
        },
      ];
    case 'function_call_output':
    case 'custom_tool_call_output':
      return [
        {
          type,
          ...id,
          call_id: requireString(item, 'call_id', param),
          output: checkOutput(item.output, param),
          status: 'completed',
        },
      ];
    default:
      return [{ type, id: requireString(item, 'id', param) }];
  }
}

/** `arguments` is a JSON string; an object (some clients) is serialized rather than refused. */
function toArguments(value: unknown, param: string): string {
  if (typeof value === 'string') {
    return value;
  }
  if (isJsonObject(value)) {
    return JSON.stringify(value);
  }
  throw ApiError.invalidRequest(`Invalid '${param}.arguments': expected a JSON string.`, `${param}.arguments`);
}

function checkOutput(value: unknown, param: string): string | Json[] {
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value) && value.every(isJsonObject)) {
    return value;
  }
  throw ApiError.invalidRequest(`Invalid '${param}.output': expected a string or a list of parts.`, `${param}.output`);
}

function checkMessage(item: Json, param: string): Json {
  const role = item.role;
  if (typeof role !== 'string' || !ROLES.has(role)) {
    throw ApiError.invalidRequest(
      `Invalid '${param}.role': expected one of user, system, developer, assistant.`,
      `${param}.role`,
    );
  }
  const content = item.content;
  const assistant = role === 'assistant';
  if (typeof content === 'string') {
    return { role, content: [textPart(content, assistant)], status: 'completed' };
  }
  if (!Array.isArray(content)) {
    throw ApiError.invalidRequest(
      `Invalid '${param}.content': expected a string or a list of parts.`,
      `${param}.content`,
    );
  }
  const parts = content.map((part: unknown, index) => checkPart(part, `${param}.content.${index}`, assistant));
  return { role, content: parts, status: 'completed' };
}

function textPart(text: string, assistant: boolean): Json {
  return assistant ? { type: 'output_text', text, annotations: [], logprobs: [] } : { type: 'input_text', text };
}

function checkPart(part: unknown, param: string, assistant: boolean): Json {
  if (!isJsonObject(part) || typeof part.type !== 'string') {
    throw ApiError.invalidRequest(`Invalid '${param}': expected a content part with a type.`, `${param}.type`);
  }
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'refusal': {
      const field = part.type === 'refusal' ? 'refusal' : 'text';
      return part.type === 'refusal' ? part : textPart(requireString(part, field, param), assistant);
    }
    case 'input_image':
      if (typeof part.image_url !== 'string' && typeof part.file_id !== 'string') {
        throw ApiError.invalidRequest(
          `Invalid '${param}': an input_image needs image_url or file_id.`,
          `${param}.image_url`,
        );
      }
      return { ...part, detail: typeof part.detail === 'string' ? part.detail : 'auto' };
    default:
      return part;
  }
}

/**
 * Input items as the agent's conversation. A call follows the assistant message of its turn (calls right after an
 * assistant message, or after other calls, join it), so a client resending a turn item by item gives the model the
 * turn as one assistant message with its calls, then the results.
 */
export function toMessages(items: InputItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const item of items) {
    switch (item.type) {
      case 'message':
        messages.push(toMessage(item));
        break;
      case 'function_call':
      case 'custom_tool_call':
        addCall(messages, {
          id: item.call_id as string,
          name: item.name as string,
          arguments: item.type === 'function_call' ? (item.arguments as string) : customArguments(item.input as string),
        });
        break;
      case 'function_call_output':
      case 'custom_tool_call_output':
        messages.push({ role: 'tool', toolCallId: item.call_id as string, content: outputText(item.output) });
        break;
    }
  }
  return messages;
}

function addCall(messages: ChatMessage[], call: ToolCall): void {
  const last = messages[messages.length - 1];
  if (last?.role === 'assistant') {
    last.toolCalls = [...(last.toolCalls ?? []), call];
    return;
  }
  messages.push({ role: 'assistant', content: null, toolCalls: [call] });
}

function toMessage(item: InputItem): ChatMessage {
  const parts = (item.content as Json[]).map(toContentPart);
  // Instructions reach backends as `system`: some chat templates refuse the `developer` role.
  const role = item.role === 'developer' ? 'system' : (item.role as ChatMessage['role']);
  const textOnly = parts.every((part) => part.type === 'text');
  if (role === 'assistant' || (textOnly && parts.length <= 1)) {
    return { role, content: parts.map((part) => (part.type === 'text' ? part.text : '')).join('') };
  }
  return { role, content: parts };
}

function toContentPart(part: Json): ContentPart {
  if (part.type === 'input_text' || part.type === 'output_text') {
    return { type: 'text', text: part.text as string };
  }
  if (part.type === 'refusal' && typeof part.refusal === 'string') {
    return { type: 'text', text: part.refusal };
  }
  if (part.type === 'input_image' && typeof part.image_url === 'string') {
    return { type: 'image_url', url: part.image_url, detail: part.detail as string };
  }
  return { type: 'other', raw: part };
}

/** A tool's output as the tool message's text (a list of parts keeps its text parts). */
function outputText(output: unknown): string {
  if (typeof output === 'string') {
    return output;
  }
  return (output as Json[])
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .filter(Boolean)
    .join('\n');
}

/** A user message of another protocol (MCP, A2A) as the input item the Responses API would have received. */
export function userMessageItem(content: string | ContentPart[]): InputItem {
  const parts = typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content;
  return {
    type: 'message',
    role: 'user',
    content: parts.map((part): Json => {
      switch (part.type) {
        case 'text':
          return { type: 'input_text', text: part.text };
        case 'image_url':
          return { type: 'input_image', image_url: part.url, detail: part.detail ?? 'auto' };
        case 'other':
          return part.raw;
      }
    }),
  };
}
