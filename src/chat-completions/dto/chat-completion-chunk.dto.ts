import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { UsageDto } from './chat-completion-response.dto';
import { WIRE_FINISH_REASONS } from '../../openai/openai.types';

/** One `data:` line of a streamed reply (`ChatCompletionChunk` in `openai.types.ts`), for the OpenAPI document. */
export class FunctionCallDeltaDto {
  @ApiPropertyOptional({ description: 'On the first delta of a call.', example: 'get_weather' })
  name?: string;

  @ApiPropertyOptional({ description: 'The next piece of the arguments JSON string.', example: '{"city":' })
  arguments?: string;
}

export class ToolCallDeltaDto {
  @ApiProperty({
    description: 'Which call this piece belongs to; clients accumulate by it.',
    type: 'integer',
    example: 0,
  })
  index!: number;

  @ApiPropertyOptional({ description: 'On the first delta of a call.', example: 'call_abc123' })
  id?: string;

  @ApiPropertyOptional({ enum: ['function'], example: 'function' })
  type?: 'function';

  @ApiPropertyOptional({ type: FunctionCallDeltaDto })
  function?: FunctionCallDeltaDto;
}

export class ChunkDeltaDto {
  @ApiPropertyOptional({ description: 'On the first chunk of a choice.', enum: ['assistant'] })
  role?: 'assistant';

  @ApiPropertyOptional({ description: 'The next piece of the reply text.', type: 'string', nullable: true })
  content?: string | null;

  @ApiPropertyOptional({ type: 'string', nullable: true })
  refusal?: string | null;

  @ApiPropertyOptional({ type: [ToolCallDeltaDto] })
  tool_calls?: ToolCallDeltaDto[];

  @ApiPropertyOptional({ description: 'Legacy: the next piece of a function call.', type: FunctionCallDeltaDto })
  function_call?: FunctionCallDeltaDto;
}

export class ChatCompletionChunkChoiceDto {
  @ApiProperty({ type: 'integer', example: 0 })
  index!: number;

  @ApiProperty({ type: ChunkDeltaDto })
  delta!: ChunkDeltaDto;

  @ApiProperty({
    description: 'Set on the last chunk of the choice.',
    type: 'string',
    enum: [...WIRE_FINISH_REASONS],
    nullable: true,
    example: null,
  })
  finish_reason!: string | null;

  @ApiProperty({
    description: 'Not computed: always `null`.',
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: null,
  })
  logprobs!: null;
}

export class ChatCompletionChunkDto {
  @ApiProperty({
    description: 'The same on every chunk of a reply.',
    example: 'chatcmpl-4f1c2a9b8e7d6c5b4a39281706f5e4d3',
  })
  id!: string;

  @ApiProperty({ enum: ['chat.completion.chunk'], example: 'chat.completion.chunk' })
  object!: 'chat.completion.chunk';

  @ApiProperty({ type: 'integer', example: 1764403200 })
  created!: number;

  @ApiProperty({ example: 'camel-model' })
  model!: string;

  @ApiProperty({ type: 'string', nullable: true, example: null })
  system_fingerprint!: string | null;

  @ApiProperty({ description: '`[]` on the usage chunk.', type: [ChatCompletionChunkChoiceDto] })
  choices!: ChatCompletionChunkChoiceDto[];

  @ApiPropertyOptional({
    description: 'Only on the last chunk, with `stream_options.include_usage`; `null` otherwise.',
    type: UsageDto,
    nullable: true,
  })
  usage?: UsageDto | null;
}
