/**
 * Internal, framework-free types of the agent core. The HTTP layer maps its DTOs to these at the boundary; backends
 * map these to whatever their model speaks.
 */

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; url: string; detail?: string }
  /** Parts we do not interpret (audio, files, ...) travel untouched to backends that understand them. */
  | { type: 'other'; raw: Record<string, unknown> };

export type MessageContent = string | ContentPart[] | null;

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as the model wrote them: a JSON string, possibly invalid JSON. */
  arguments: string;
}

export interface ChatMessage {
  role: Role;
  content: MessageContent;
  name?: string;
  /** Assistant messages only. */
  toolCalls?: ToolCall[];
  /** Tool messages only: the id of the call this message answers. */
  toolCallId?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters?: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice = 'none' | 'auto' | 'required' | { name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean };

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** Sampling and output controls; each may come from the agent's defaults or from one request. */
export interface GenerationOptions {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  logitBias?: Record<string, number>;
  responseFormat?: ResponseFormat;
  /** Tools the model may call. */
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  user?: string;
  metadata?: Record<string, string>;
}

/** What one backend call receives: the full conversation, already assembled, plus options. */
export interface ModelRequest extends GenerationOptions {
  messages: ChatMessage[];
}

export interface ModelResult {
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  /** Undefined only when the backend could not report it; the agent then estimates. */
  usage?: Usage;
  /** The upstream's id of this completion and the model that answered, when it says (traces only). */
  responseId?: string;
  responseModel?: string;
}

/**
 * Streaming events. Tool-call deltas are keyed by `index` (distinct per parallel call); `id` and `name` arrive on the
 * first delta of a call, `arguments` as string fragments.
 */
export type ModelStreamEvent =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; index: number; id?: string; name?: string; arguments?: string }
  | { type: 'finish'; finishReason: FinishReason; usage?: Usage; responseId?: string; responseModel?: string };

export interface CallOptions {
  signal?: AbortSignal;
}
