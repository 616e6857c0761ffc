import type { ChatMessage, GenerationOptions } from '../core/types';

/** One chat-completion request in internal form: what the HTTP boundary hands to `AgentService`. */
export interface CompletionInput {
  /** The served model id the client asked for. */
  model: string;
  messages: ChatMessage[];
  options: GenerationOptions;
  /** How many independent choices to generate. */
  n: number;
  stream: boolean;
  includeUsage: boolean;
  /** The request used the legacy `functions` field: reply with `function_call` instead of `tool_calls`. */
  legacyFunctions?: boolean;
}
