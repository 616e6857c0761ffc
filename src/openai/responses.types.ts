/**
 * OpenAI Responses API wire types (snake_case, as on the wire), the part of `Response`, its items and its stream
 * events (`ResponseStreamEvent`) this server sends. Reference: OpenAI's OpenAPI description (`CreateResponse`,
 * `Response`, `ResponseStreamEvent`).
 */

export type WireResponseStatus = 'completed' | 'incomplete' | 'failed' | 'in_progress';
export type WireItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface WireOutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export interface WireOutputMessage {
  type: 'message';
  id: string;
  role: 'assistant';
  status: WireItemStatus;
  content: WireOutputText[];
}

export interface WireFunctionCall {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  /** A JSON string, as the model wrote it. */
  arguments: string;
  status: WireItemStatus;
  /** The `namespace` tool the function was declared in. */
  namespace?: string;
}

export interface WireCustomToolCall {
  type: 'custom_tool_call';
  id: string;
  call_id: string;
  name: string;
  /** Free-form text, not JSON. */
  input: string;
  namespace?: string;
}

export type WireOutputItem = WireOutputMessage | WireFunctionCall | WireCustomToolCall;

/** An input item as the client sent it (validated by the request mapper), plus the id it is listed under. */
export type WireInputItem = Record<string, unknown> & { type: string; id: string };

export type WireTextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      name: string;
      schema: Record<string, unknown>;
      description?: string;
      strict?: boolean | null;
    };

export type WireToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function' | 'custom'; name: string }
  | { type: 'allowed_tools'; mode: 'auto' | 'required'; tools: Array<Record<string, unknown>> };

export interface WireResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface WireResponseError {
  code: 'server_error' | 'rate_limit_exceeded';
  message: string;
}

export interface WireResponse {
  id: string;
  object: 'response';
  created_at: number;
  status: WireResponseStatus;
  completed_at: number | null;
  error: WireResponseError | null;
  incomplete_details: { reason: 'max_output_tokens' } | null;
  instructions: string | Array<Record<string, unknown>> | null;
  max_output_tokens: number | null;
  model: string;
  output: WireOutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: Record<string, unknown> | null;
  store: boolean;
  temperature: number | null;
  text: { format: WireTextFormat };
  tool_choice: WireToolChoice;
  tools: Array<Record<string, unknown>>;
  top_p: number | null;
  truncation: 'auto' | 'disabled';
  usage?: WireResponseUsage;
  user?: string;
  metadata: Record<string, string>;
  background: boolean;
  service_tier: string;
  safety_identifier: string | null;
  prompt_cache_key: string | null;
}

export interface WireResponseDeleted {
  id: string;
  object: 'response';
  deleted: true;
}

export interface WireInputItemList {
  object: 'list';
  data: WireInputItem[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

type Sequenced<T> = T & { sequence_number: number };

/** A stream event before its `sequence_number` is stamped on (the stream numbers them in the order they go out). */
export type WireResponseStreamEventBody =
  | { type: 'response.created' | 'response.in_progress'; response: WireResponse }
  | { type: 'response.completed' | 'response.incomplete' | 'response.failed'; response: WireResponse }
  | { type: 'response.output_item.added' | 'response.output_item.done'; output_index: number; item: WireOutputItem }
  | {
      type: 'response.content_part.added' | 'response.content_part.done';
      item_id: string;
      output_index: number;
      content_index: number;
      part: WireOutputText;
    }
  | {
      type: 'response.output_text.delta';
      item_id: string;
      output_index: number;
      content_index: number;
      delta: string;
      logprobs: unknown[];
    }
  | {
      type: 'response.output_text.done';
      item_id: string;
      output_index: number;
      content_index: number;
      text: string;
      logprobs: unknown[];
    }
  | { type: 'response.function_call_arguments.delta'; item_id: string; output_index: number; delta: string }
  | {
      type: 'response.function_call_arguments.done';
      item_id: string;
      output_index: number;
      name: string;
      arguments: string;
    }
  | { type: 'response.custom_tool_call_input.delta'; item_id: string; output_index: number; delta: string }
  | { type: 'response.custom_tool_call_input.done'; item_id: string; output_index: number; input: string };

export type WireResponseStreamEvent = Sequenced<WireResponseStreamEventBody>;
