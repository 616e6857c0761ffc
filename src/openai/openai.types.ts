/**
 * OpenAI wire types, snake_case exactly as they travel. The single source for every shape we put on, or read from,
 * the wire (reference: openai-openapi `CreateChatCompletionResponse`, `CreateChatCompletionStreamResponse`,
 * `ChatCompletionMessageToolCallChunk`, `ErrorResponse`, `Model`).
 */

export const WIRE_FINISH_REASONS = ['stop', 'length', 'tool_calls', 'content_filter', 'function_call'] as const;
export type WireFinishReason = (typeof WIRE_FINISH_REASONS)[number];

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface WireFunctionCall {
  name: string;
  /** Always a JSON *string*: some servers sent an object and broke every spec-following client (llama.cpp#20198). */
  arguments: string;
}

export interface WireToolCall {
  id: string;
  type: 'function';
  function: WireFunctionCall;
}

export interface WireContentPart {
  type: string;
  text?: string;
  image_url?: { url: string; detail?: string };
  [key: string]: unknown;
}

export interface WireMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';
  content?: string | WireContentPart[] | null;
  name?: string;
  tool_calls?: WireToolCall[];
  tool_call_id?: string;
  function_call?: WireFunctionCall;
  refusal?: string | null;
}

export interface WireTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
}

export type WireToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type WireResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null };
    };

export interface WireAssistantMessage {
  role: 'assistant';
  /** `null` when the reply is only tool calls, as OpenAI sends it. */
  content: string | null;
  refusal: string | null;
  tool_calls?: WireToolCall[];
  function_call?: WireFunctionCall;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  /** Left out: it names the backend configuration, which we do not know; OpenAI's schema has no null for it. */
  system_fingerprint?: string;
  choices: Array<{
    index: number;
    message: WireAssistantMessage;
    finish_reason: WireFinishReason;
    logprobs: null;
  }>;
  usage: WireUsage;
}

export interface WireToolCallDelta {
  /** Present on every delta and distinct per parallel call: clients accumulate by `tool_calls[index]`. */
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunkDelta {
  role?: 'assistant';
  content?: string | null;
  refusal?: string | null;
  tool_calls?: WireToolCallDelta[];
  function_call?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  /** Left out, as in ChatCompletion. */
  system_fingerprint?: string;
  /** Always an array, `[]` on the usage chunk: `@ai-sdk` validates it on every chunk (vercel/ai#7417). */
  choices: Array<{
    index: number;
    delta: ChatCompletionChunkDelta;
    finish_reason: WireFinishReason | null;
    logprobs: null;
  }>;
  /** `null` on every chunk but the final usage chunk, which is sent only when `include_usage` is true. */
  usage?: WireUsage | null;
}

export interface WireModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface WireModelList {
  object: 'list';
  data: WireModel[];
}

export interface WireErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    /** A string or null, never a number: typed SDKs (C#, Go) fail to parse an int (litellm#4970). */
    code: string | null;
  };
}
