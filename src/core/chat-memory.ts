import type { ChatMessage } from './types';

/**
 * The conversation a stateful agent remembers between `step()` calls, kept to a window of the most recent
 * messages. The window never starts on a `tool` message or splits an assistant's tool calls from their results,
 * because most models reject a tool result whose call they cannot see.
 */
export class ChatMemory {
  private messages: ChatMessage[] = [];

  constructor(readonly windowSize?: number) {
    if (windowSize !== undefined && (!Number.isInteger(windowSize) || windowSize < 1)) {
      throw new RangeError('windowSize must be a positive integer');
    }
  }

  add(...messages: ChatMessage[]): void {
    this.messages.push(...messages.map(copyMessage));
    this.trim();
  }

  getMessages(): ChatMessage[] {
    return this.messages.map(copyMessage);
  }

  get length(): number {
    return this.messages.length;
  }

  clear(): void {
    this.messages = [];
  }

  clone(): ChatMemory {
    const copy = new ChatMemory(this.windowSize);
    copy.messages = this.getMessages();
    return copy;
  }

  private trim(): void {
    if (this.windowSize === undefined || this.messages.length <= this.windowSize) {
      return;
    }
    let start = this.messages.length - this.windowSize;
    while (start < this.messages.length && this.messages[start].role === 'tool') {
      start++;
    }
    this.messages = this.messages.slice(start);
  }
}

function copyMessage(message: ChatMessage): ChatMessage {
  return {
    ...message,
    content: Array.isArray(message.content) ? message.content.map((part) => ({ ...part })) : message.content,
    toolCalls: message.toolCalls?.map((call) => ({ ...call })),
  };
}
