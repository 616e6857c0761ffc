/**
 * What one chat-completion request may hold (docs/limits.md). OpenAI's own bounds where it has them, so a client
 * that works against OpenAI works here; each is checked in one linear pass before any work is done for the request.
 */
export const REQUEST_LIMITS = {
  /** OpenAI: "Expected an array with maximum length 2048" on `messages`. */
  messages: 2048,
  /** OpenAI: 128 on `tools`, `functions` and an assistant message's `tool_calls`. */
  tools: 128,
  toolCalls: 128,
  /** OpenAI: "Expected an object with at most 1024 properties" on `logit_bias`. */
  logitBias: 1024,
  /** Not an OpenAI bound (it has none): a sanity bound well above what clients send. */
  contentParts: 1024,
} as const;
