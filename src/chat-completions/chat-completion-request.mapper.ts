import type { CompletionInput } from './completion-input';
import { ApiError } from '../core/errors';
import type {
  ChatMessage,
  ContentPart,
  GenerationOptions,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from '../core/types';
import type { ChatCompletionRequestDto, ChatMessageDto } from './dto';

/** The boundary: turns the validated wire DTO into the core's internal input, so the core never sees a DTO. */
export function toCompletionInput(dto: ChatCompletionRequestDto, defaultModel: string): CompletionInput {
  const definitions = [...(dto.tools ?? []).map((tool) => tool.function), ...(dto.functions ?? [])];
  const tools = definitions.map((fn): ToolDefinition => ({
    name: fn.name,
    description: fn.description,
    parameters: fn.parameters,
    strict: fn.strict ?? undefined,
  }));
  // Legacy `functions` (without `tools`) want the legacy reply: one `function_call`, finish `function_call`.
  const legacyFunctions = (dto.functions?.length ?? 0) > 0 && (dto.tools?.length ?? 0) === 0;
  const toolChoice =
    dto.tool_choice === undefined && legacyFunctions
      ? toLegacyToolChoice(dto.function_call, tools)
      : toToolChoice(dto.tool_choice, tools);
  const options: GenerationOptions = {
    temperature: dto.temperature ?? undefined,
    topP: dto.top_p ?? undefined,
    maxTokens: dto.max_completion_tokens ?? dto.max_tokens ?? undefined,
    stop: typeof dto.stop === 'string' ? [dto.stop] : (dto.stop ?? undefined),
    seed: dto.seed ?? undefined,
    presencePenalty: dto.presence_penalty ?? undefined,
    frequencyPenalty: dto.frequency_penalty ?? undefined,
    logitBias: dto.logit_bias ?? undefined,
    responseFormat: toResponseFormat(dto.response_format),
    tools: tools.length > 0 ? tools : undefined,
    toolChoice: tools.length > 0 ? toolChoice : undefined,
    // The legacy reply holds one call, so the model is asked for one.
    parallelToolCalls: legacyFunctions ? false : dto.parallel_tool_calls,
    user: dto.user,
    metadata: dto.metadata ?? undefined,
  };
  return {
    model: dto.model ?? defaultModel,
    messages: dto.messages.map(toChatMessage),
    options,
    n: dto.n ?? 1,
    stream: dto.stream === true,
    includeUsage: dto.stream === true && dto.stream_options?.include_usage === true,
    legacyFunctions,
  };
}

export function toChatMessage(dto: ChatMessageDto): ChatMessage {
  const message: ChatMessage = {
    role: dto.role === 'function' ? 'tool' : dto.role,
    content: toContent(dto.content),
  };
  if (dto.name && dto.role !== 'function') {
    message.name = dto.name;
  }
  if (dto.tool_calls && dto.tool_calls.length > 0) {
    message.toolCalls = dto.tool_calls.map((call) => ({
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    }));
  } else if (dto.function_call) {
    // Legacy calls have no id: the function's name pairs the call with its `function` result message (below).
    message.toolCalls = [
      { id: dto.function_call.name, name: dto.function_call.name, arguments: dto.function_call.arguments },
    ];
  }
  if (dto.tool_call_id) {
    message.toolCallId = dto.tool_call_id;
  } else if (dto.role === 'function' && dto.name) {
    message.toolCallId = dto.name;
  }
  return message;
}

function toContent(content: ChatMessageDto['content']): ChatMessage['content'] {
  if (content === undefined || content === null) {
    return null;
  }
  if (typeof content === 'string') {
    return content;
  }
  return content.map((part): ContentPart => {
    if (part.type === 'text' && typeof part.text === 'string') {
      return { type: 'text', text: part.text };
    }
    const image = part.image_url as { url?: unknown; detail?: unknown } | undefined;
    if (part.type === 'image_url' && typeof image?.url === 'string') {
      return { type: 'image_url', url: image.url, detail: typeof image.detail === 'string' ? image.detail : undefined };
    }
    return { type: 'other', raw: part };
  });
}

function toToolChoice(
  choice: ChatCompletionRequestDto['tool_choice'],
  tools: ToolDefinition[] | undefined,
): ToolChoice | undefined {
  if (choice === undefined || typeof choice === 'string') {
    return choice;
  }
  const name = choice.function.name;
  if (!tools?.some((tool) => tool.name === name)) {
    throw ApiError.invalidRequest(`tool_choice names the function '${name}', which is not in 'tools'.`, 'tool_choice');
  }
  return { name };
}

/** Legacy `function_call`: `none`, `auto`, or `{name}` naming one of the request's functions. */
function toLegacyToolChoice(
  choice: ChatCompletionRequestDto['function_call'],
  tools: ToolDefinition[],
): ToolChoice | undefined {
  if (choice === undefined || typeof choice === 'string') {
    return choice;
  }
  if (!tools.some((tool) => tool.name === choice.name)) {
    throw ApiError.invalidRequest(
      `function_call names the function '${choice.name}', which is not in 'functions'.`,
      'function_call',
    );
  }
  return { name: choice.name };
}

function toResponseFormat(format: ChatCompletionRequestDto['response_format']): ResponseFormat | undefined {
  if (!format) {
    return undefined;
  }
  if (format.type === 'json_schema' && format.json_schema) {
    return {
      type: 'json_schema',
      name: format.json_schema.name,
      description: format.json_schema.description,
      schema: format.json_schema.schema,
      strict: format.json_schema.strict ?? undefined,
    };
  }
  return format.type === 'json_object' ? { type: 'json_object' } : { type: 'text' };
}
