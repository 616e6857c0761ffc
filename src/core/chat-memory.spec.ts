import { ChatMemory } from './chat-memory';
import type { ChatMessage } from './types';

const user = (content: string): ChatMessage => ({ role: 'user', content });

describe(ChatMemory.name, () => {
  it('should keep messages in order and return copies', () => {
    const memory = new ChatMemory();
    memory.add(user('a'), user('b'));
    const messages = memory.getMessages();
    messages[0].content = 'changed';
    expect(memory.getMessages().map((m) => m.content)).toEqual(['a', 'b']);
  });

  it('should keep only the most recent messages within the window', () => {
    const memory = new ChatMemory(3);
    memory.add(user('1'), user('2'), user('3'), user('4'), user('5'));
    expect(memory.getMessages().map((m) => m.content)).toEqual(['3', '4', '5']);
  });

  it('should never start the window on a tool result whose call was dropped', () => {
    const memory = new ChatMemory(2);
    memory.add(
      user('q'),
      { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }] },
      { role: 'tool', content: 'r', toolCallId: 'c1' },
      { role: 'assistant', content: 'done' },
    );
    expect(memory.getMessages().map((m) => m.role)).toEqual(['assistant']);
  });

  it('should clear and clone independently', () => {
    const memory = new ChatMemory(5);
    memory.add(user('a'));
    const copy = memory.clone();
    memory.clear();
    expect(memory.length).toBe(0);
    expect(copy.getMessages()).toEqual([user('a')]);
    expect(copy.windowSize).toBe(5);
  });

  it('should reject a window that is not a positive integer', () => {
    expect(() => new ChatMemory(0)).toThrow(RangeError);
  });
});
