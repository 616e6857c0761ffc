import { countPromptTokens, countTextTokens } from './tokens';
import type { ChatMessage, ToolCall, Usage } from './types';

/** The one home of usage arithmetic. */
export function makeUsage(promptTokens: number, completionTokens: number): Usage {
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return makeUsage(a.promptTokens + b.promptTokens, a.completionTokens + b.completionTokens);
}

/** Model calls made one after another (an agent's tool loop): every prompt and completion counts. */
export function sumUsage(usages: Usage[]): Usage {
  return usages.reduce(addUsage, makeUsage(0, 0));
}

/** Independent choices of one request (`n`): the prompt is read once, the completions add up, as OpenAI bills it. */
export function combineChoiceUsage(usages: Usage[]): Usage {
  const prompt = Math.max(0, ...usages.map((u) => u.promptTokens));
  return makeUsage(
    prompt,
    usages.reduce((sum, u) => sum + u.completionTokens, 0),
  );
}

/** For a backend that reported no usage: our own count, never zero. */
export function estimateUsage(messages: ChatMessage[], text: string, toolCalls: ToolCall[]): Usage {
  const completion =
    countTextTokens(text) + toolCalls.reduce((n, c) => n + countTextTokens(c.name) + countTextTokens(c.arguments), 0);
  return makeUsage(countPromptTokens(messages), Math.max(completion, 1));
}
