import { ApiError } from '../core/errors';
import type { ContentPart, GenerationOptions, ResponseFormat } from '../core/types';
import type { WireResponse, WireTextFormat } from '../openai/responses.types';
import { ClientTools } from './client-tools';
import type { CreateResponseRequestDto } from './dto/create-response-request.dto';
import { checkItem, type InputItem, userMessageItem } from './input-items';

/** The request's parameters the Response object echoes. */
export type ResponseEcho = Pick<
  WireResponse,
  | 'instructions'
  | 'max_output_tokens'
  | 'parallel_tool_calls'
  | 'previous_response_id'
  | 'reasoning'
  | 'store'
  | 'temperature'
  | 'text'
  | 'tool_choice'
  | 'tools'
  | 'top_p'
  | 'truncation'
  | 'user'
  | 'metadata'
  | 'safety_identifier'
  | 'prompt_cache_key'
>;

/** One `POST /v1/responses` in internal form: what the controller hands to the service. */
export interface ResponseRequest {
  model: string;
  stream: boolean;
  store: boolean;
  previousResponseId?: string;
  /** `instructions` as items: they go first and are never stored with the conversation. */
  instructions: InputItem[];
  /** The input items as sent (a string input is one user message); `item_reference`s are resolved later. */
  items: InputItem[];
  options: GenerationOptions;
  tools: ClientTools;
  echo: ResponseEcho;
}

/** The boundary: the validated DTO, checked where class-validator cannot (polymorphic fields), in internal form. */
export function toResponseRequest(dto: CreateResponseRequestDto, defaultModel: string): ResponseRequest {
  if (dto.background === true) {
    throw ApiError.invalidRequest(
      'Background responses are not supported by this server; send `background: false` or leave it out.',
      'background',
    );
  }
  if ((dto.input === undefined || dto.input === null) && !dto.previous_response_id) {
    throw ApiError.invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  }
  const tools = new ClientTools(dto.tools);
  const choice = tools.choose(dto.tool_choice);
  const text = toTextFormat(dto.text);
  const options: GenerationOptions = {
    temperature: dto.temperature ?? undefined,
    topP: dto.top_p ?? undefined,
    maxTokens: dto.max_output_tokens ?? undefined,
    // Only a format the client asked for: `text: {verbosity}` alone (Codex) says nothing about the format.
    responseFormat: dto.text?.format ? toResponseFormat(text.format) : undefined,
    tools: choice.tools.length > 0 ? choice.tools : undefined,
    toolChoice: choice.tools.length > 0 || choice.toolChoice === 'none' ? choice.toolChoice : undefined,
    parallelToolCalls: dto.parallel_tool_calls ?? undefined,
    user: dto.user ?? undefined,
    metadata: dto.metadata ?? undefined,
  };
  const store = dto.store !== false;
  return {
    model: dto.model ?? defaultModel,
    stream: dto.stream === true,
    store,
    previousResponseId: dto.previous_response_id ?? undefined,
    instructions: toItems(dto.instructions, 'instructions', true),
    items: toItems(dto.input, 'input', false),
    options,
    tools,
    echo: {
      instructions: (dto.instructions as WireResponse['instructions'] | undefined) ?? null,
      max_output_tokens: dto.max_output_tokens ?? null,
      parallel_tool_calls: dto.parallel_tool_calls ?? true,
      previous_response_id: dto.previous_response_id ?? null,
      reasoning: dto.reasoning ?? null,
      store,
      temperature: dto.temperature ?? null,
      text,
      tool_choice: choice.echo,
      tools: tools.echo,
      top_p: dto.top_p ?? null,
      truncation: dto.truncation ?? 'disabled',
      ...(dto.user ? { user: dto.user } : {}),
      metadata: dto.metadata ?? {},
      safety_identifier: dto.safety_identifier ?? null,
      prompt_cache_key: dto.prompt_cache_key ?? null,
    },
  };
}

/** `input` (or `instructions`): a string is one message; a list is checked item by item. */
function toItems(value: unknown, param: string, instructions: boolean): InputItem[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (typeof value === 'string') {
    // Instructions are a developer message, as OpenAI documents; the input string is the user's.
    const role = instructions ? 'developer' : 'user';
    return value ? [{ type: 'message', role, content: [{ type: 'input_text', text: value }] }] : [];
  }
  if (!Array.isArray(value)) {
    throw ApiError.invalidRequest(`'${param}' must be a string or an array of input items.`, param);
  }
  return value.flatMap((item: unknown, index) => checkItem(item, `${param}.${index}`));
}

function toTextFormat(text: Record<string, unknown> | null | undefined): { format: WireTextFormat } {
  const format = text?.format;
  if (format === undefined || format === null) {
    return { format: { type: 'text' } };
  }
  const type = (format as { type?: unknown }).type;
  if (type === 'text' || type === 'json_object') {
    return { format: { type } };
  }
  if (type === 'json_schema') {
    const { name, schema, description, strict } = format as Record<string, unknown>;
    if (typeof name !== 'string' || typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw ApiError.invalidRequest('A json_schema format needs a `name` and a `schema` object.', 'text.format');
    }
    return {
      format: {
        type,
        name,
        schema: schema as Record<string, unknown>,
        ...(typeof description === 'string' ? { description } : {}),
        strict: typeof strict === 'boolean' ? strict : null,
      },
    };
  }
  throw ApiError.invalidRequest('text.format.type must be "text", "json_object" or "json_schema".', 'text.format.type');
}

function toResponseFormat(format: WireTextFormat): ResponseFormat {
  if (format.type !== 'json_schema') {
    return { type: format.type };
  }
  return {
    type: 'json_schema',
    name: format.name,
    description: format.description,
    schema: format.schema,
    strict: format.strict ?? undefined,
  };
}

/**
 * One user message as a stored Responses request, for another protocol continuing a conversation (MCP, A2A): no
 * instructions, no client tools, the defaults of every option.
 */
export function messageRequest(
  model: string,
  message: string | ContentPart[],
  previousResponseId?: string,
): ResponseRequest {
  const input = [userMessageItem(message)];
  return toResponseRequest({ model, input, previous_response_id: previousResponseId }, model);
}
