import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from 'node-llama-cpp' with {
  'resolution-mode': 'import',
};
import { contentText } from '../../tokens';
import type { ChatMessage } from '../../types';

/**
 * Maps the OpenAI-shaped conversation to node-llama-cpp's chat history. node-llama-cpp keeps a call and its result
 * together in the model's response, so each `tool` message is folded into the assistant call it answers (by
 * `tool_call_id`); the chat wrapper then renders calls and results in the model's own format. The history always
 * ends with a model response for the generation to fill.
 */
export function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const results = new Map<string, string>();
  const callIds = new Set(messages.flatMap((m) => (m.toolCalls ?? []).map((call) => call.id)));
  for (const message of messages) {
    if (message.role === 'tool' && message.toolCallId) {
      results.set(message.toolCallId, contentText(message.content));
    }
  }

  const history: ChatHistoryItem[] = [];
  const lastModel = (): ChatModelResponse => {
    const last = history[history.length - 1];
    if (last?.type === 'model') {
      return last;
    }
    const item: ChatModelResponse = { type: 'model', response: [] };
    history.push(item);
    return item;
  };

  for (const message of messages) {
    const text = contentText(message.content);
    switch (message.role) {
      case 'system':
      case 'developer':
        history.push({ type: 'system', text });
        break;
      case 'user':
        history.push({ type: 'user', text });
        break;
      case 'assistant': {
        const response = lastModel().response;
        if (text.length > 0) {
          response.push(text);
        }
        for (const [i, call] of (message.toolCalls ?? []).entries()) {
          const item: ChatModelFunctionCall = {
            type: 'functionCall',
            name: call.name,
            params: parseArguments(call.arguments),
            result: parseResult(results.get(call.id)),
            startsNewChunk: i === 0,
          };
          response.push(item);
        }
        break;
      }
      case 'tool':
        // A result whose call is not in the history still reaches the model, as plain context.
        if (!message.toolCallId || !callIds.has(message.toolCallId)) {
          history.push({ type: 'user', text: `Tool result${message.name ? ` (${message.name})` : ''}: ${text}` });
        }
        break;
    }
  }
  // A trailing model turn (calls whose results it must now read, or a prefilled start) is continued, not restarted.
  if (history[history.length - 1]?.type !== 'model') {
    history.push({ type: 'model', response: [] });
  }
  return history;
}

function parseArguments(args: string): unknown {
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return args;
  }
}

function parseResult(result: string | undefined): unknown {
  if (result === undefined) {
    return '';
  }
  try {
    return JSON.parse(result) as unknown;
  } catch {
    return result;
  }
}
