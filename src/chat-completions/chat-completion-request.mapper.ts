import type { CompletionInput } from '../agent/completion-input';
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
  const tools = dto.tools?.map((tool): ToolDefinition => ({
    name: tool.function.name,
    description: tool.function.description,
    parameters: tool.function.parameters,
    strict: tool.function.strict ?? undefined,
  }));
  const toolChoice = toToolChoice(dto.tool_choice, tools);
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
    tools: tools && tools.length > 0 ? tools : undefined,
    toolChoice: tools && tools.length > 0 ? toolChoice : undefined,
    parallelToolCalls: dto.parallel_tool_calls,
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
