import type { ChatMessage } from '../types';
import type { ToolTurnStore } from './tool-turn-store';

/**
 * Puts the agent's half of mixed tool turns back into a client's history. The client saw only its own calls; for
 * each assistant message whose calls match a stored turn, the model gets the whole turn again: the assistant
 * message with every call in its original order, then one tool message per call in that same order (the agent's
 * stored results and the client's own results, interleaved as the calls were).
 */
export async function restoreToolTurns(messages: ChatMessage[], store: ToolTurnStore): Promise<ChatMessage[]> {
  const restored: ChatMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    const ids = message.role === 'assistant' ? (message.toolCalls ?? []).map((call) => call.id) : [];
    const turn = ids.length > 0 ? await store.get(ids[0]) : undefined;
    if (!turn || !turn.clientCallIds.every((id) => ids.includes(id))) {
      restored.push(message);
      continue;
    }
    const following: ChatMessage[] = [];
    let next = i + 1;
    while (next < messages.length && messages[next].role === 'tool') {
      following.push(messages[next]);
      next++;
    }
    const resultById = new Map<string, ChatMessage>();
    for (const result of [...turn.ownResults, ...following]) {
      if (result.toolCallId) {
        resultById.set(result.toolCallId, result);
      }
    }
    restored.push(turn.assistant);
    const placed = new Set<ChatMessage>();
    for (const call of turn.assistant.toolCalls ?? []) {
      const result = resultById.get(call.id);
      if (result) {
        restored.push(result);
        placed.add(result);
      }
    }
    // Tool messages we cannot match stay where the client put them: the backend decides what to make of them.
    restored.push(...following.filter((result) => !placed.has(result)));
    i = next - 1;
  }
  return restored;
}
