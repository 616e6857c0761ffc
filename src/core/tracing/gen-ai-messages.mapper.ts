import type { ChatMessage, FinishReason, MessageContent, ToolCall } from '../types';

/**
 * Messages in the convention's JSON shape (gen-ai-input-messages.json / gen-ai-output-messages.json), for the opt-in
 * `gen_ai.input.messages` / `gen_ai.output.messages` attributes. Spans take no structured values yet, so the
 * convention allows a JSON string. Only ever called when content capture is on.
 */
type Part =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments: unknown }
  | { type: 'tool_call_response'; id?: string; response: unknown }
  | { type: 'uri'; modality: 'image'; uri: string }
  | { type: string };

interface GenAiMessage {
  role: string;
  parts: Part[];
  name?: string;
  finish_reason?: string;
}

export function inputMessagesJson(messages: ChatMessage[]): string {
  return JSON.stringify(messages.map(toGenAiMessage));
}

export function outputMessagesJson(
  content: string | null,
  toolCalls: ToolCall[] | undefined,
  finishReason: FinishReason,
): string {
  const message = toGenAiMessage({ role: 'assistant', content, toolCalls });
  return JSON.stringify([{ ...message, finish_reason: finishReason }]);
}

export function systemInstructionsJson(text: string): string {
  return JSON.stringify([{ type: 'text', content: text }]);
}

/** The tool's arguments as an object when they parse (the convention's wish), else the raw string. */
export function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toGenAiMessage(message: ChatMessage): GenAiMessage {
  if (message.role === 'tool') {
    return {
      role: 'tool',
      parts: [{ type: 'tool_call_response', id: message.toolCallId, response: contentString(message.content) }],
    };
  }
  // The convention's roles are system, user, assistant and tool; `developer` is OpenAI's newer name for system.
  const parts = contentParts(message.content);
  for (const call of message.toolCalls ?? []) {
    parts.push({ type: 'tool_call', id: call.id, name: call.name, arguments: parsedJson(call.arguments) });
  }
  const result: GenAiMessage = { role: message.role === 'developer' ? 'system' : message.role, parts };
  if (message.name) {
    result.name = message.name;
  }
  return result;
}

function contentParts(content: MessageContent): Part[] {
  if (content === null) {
    return [];
  }
  if (typeof content === 'string') {
    return content ? [{ type: 'text', content }] : [];
  }
  return content.map((part): Part => {
    switch (part.type) {
      case 'text':
        return { type: 'text', content: part.text };
      case 'image_url':
        // An inline image (a data: URL) would put megabytes of base64 into one attribute: its header only.
        return {
          type: 'uri',
          modality: 'image',
          uri: part.url.startsWith('data:') ? dataUrlHeader(part.url) : part.url,
        };
      case 'other':
        return { type: typeof part.raw.type === 'string' ? part.raw.type : 'other' };
    }
  });
}

function contentString(content: MessageContent): string {
  if (content === null || typeof content === 'string') {
    return content ?? '';
  }
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

function dataUrlHeader(url: string): string {
  const comma = url.indexOf(',');
  return `${comma < 0 ? url.slice(0, 64) : url.slice(0, comma + 1)}[omitted]`;
}
