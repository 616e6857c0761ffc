import type { ChatMessage, MessageContent } from './types';

/**
 * A rough, deterministic token count (a word and its leading space is one token) for backends that have no
 * tokenizer of their own and for upstreams that omit usage. Splitting this way keeps `tokens.join('') === text`,
 * so a scripted reply can be streamed token by token and reassembled exactly.
 */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/**
 * `splitTokens(text).length`, counted in one pass without building the tokens: a prompt of 10 MB is counted in
 * milliseconds instead of holding the event loop while a regular expression allocates a million strings.
 */
export function countTextTokens(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isSpace(text.charCodeAt(i));
    if (!space && !inWord) {
      count++;
    }
    inWord = !space;
  }
  // Trailing whitespace is a token of its own (the `\s+$` alternative).
  return text.length > 0 && !inWord ? count + 1 : count;
}

const NON_ASCII_SPACE = /\s/;

function isSpace(code: number): boolean {
  if (code < 128) {
    return code === 32 || (code >= 9 && code <= 13);
  }
  return NON_ASCII_SPACE.test(String.fromCharCode(code));
}

export function contentText(content: MessageContent): string {
  if (content === null) {
    return '';
  }
  if (typeof content === 'string') {
    return content;
  }
  return content
    .map((part) => (part.type === 'text' ? part.text : ''))
    .filter((text) => text.length > 0)
    .join('\n');
}

/** Per-message framing overhead, as in OpenAI's own accounting of chat formats. */
const MESSAGE_OVERHEAD = 4;

export function countPromptTokens(messages: ChatMessage[]): number {
  let total = 2;
  for (const message of messages) {
    total += MESSAGE_OVERHEAD + countTextTokens(contentText(message.content));
    for (const call of message.toolCalls ?? []) {
      total += countTextTokens(call.name) + countTextTokens(call.arguments);
    }
  }
  return total;
}
