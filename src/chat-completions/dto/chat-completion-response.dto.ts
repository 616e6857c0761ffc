import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FunctionCallDto, ToolCallDto } from './chat-message.dto';
import { WIRE_FINISH_REASONS } from '../../openai/openai.types';

/**
 * The reply shapes, for the OpenAPI document only: the service writes the wire types of `openai.types.ts`
 * (`ChatCompletion`, `ChatCompletionChunk`), which these classes mirror field for field.
 */

export class UsageDto {
  @ApiProperty({ description: 'Tokens in the prompt (the conversation the model saw).', type: 'integer', example: 24 })
  prompt_tokens!: number;

  @ApiProperty({ description: 'Tokens generated.', type: 'integer', example: 8 })
  completion_tokens!: number;

  @ApiProperty({ description: '`prompt_tokens + completion_tokens`.', type: 'integer', example: 32 })
  total_tokens!: number;
}

export class AssistantMessageDto {
  @ApiProperty({ enum: ['assistant'], example: 'assistant' })
  role!: 'assistant';

  @ApiProperty({
    description: 'The reply text; `null` when the reply is only tool calls.',
    type: 'string',
    nullable: true,
    example: 'The capital of France is Paris.',
  })
  content!: string | null;

  @ApiProperty({ description: 'Always `null` here.', type: 'string', nullable: true, example: null })
  refusal!: string | null;

  @ApiPropertyOptional({
    description: 'The tools the model called (`finish_reason: "tool_calls"`).',
    type: [ToolCallDto],
  })
  tool_calls?: ToolCallDto[];

  @ApiPropertyOptional({ description: 'Legacy: the function the model called.', type: FunctionCallDto })
  function_call?: FunctionCallDto;
}

export class ChatCompletionChoiceDto {
  @ApiProperty({ type: 'integer', example: 0 })
  index!: number;

  @ApiProperty({ type: AssistantMessageDto })
  message!: AssistantMessageDto;

  @ApiProperty({ enum: [...WIRE_FINISH_REASONS], example: 'stop' })
  finish_reason!: string;

  @ApiProperty({
    description: 'Not computed: always `null`.',
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: null,
  })
  logprobs!: null;
}

export class ChatCompletionResponseDto {
  @ApiProperty({ example: 'chatcmpl-4f1c2a9b8e7d6c5b4a39281706f5e4d3' })
  id!: string;

  @ApiProperty({ enum: ['chat.completion'], example: 'chat.completion' })
  object!: 'chat.completion';

  @ApiProperty({ description: 'Unix time in seconds.', type: 'integer', example: 1764403200 })
  created!: number;

  @ApiProperty({ description: 'The model id the request named.', example: 'camel-model' })
  model!: string;

  @ApiProperty({ type: 'string', nullable: true, example: null })
  system_fingerprint!: string | null;

  @ApiProperty({ type: [ChatCompletionChoiceDto] })
  choices!: ChatCompletionChoiceDto[];

  @ApiProperty({ type: UsageDto })
  usage!: UsageDto;
}
