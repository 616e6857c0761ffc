import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsMessageContent } from './content.validator';
import { REQUEST_LIMITS } from './request-limits';

export const MESSAGE_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

export class FunctionCallDto {
  @ApiProperty({ description: 'The name of the function to call.', example: 'get_weather' })
  @IsString()
  @IsNotEmpty()
  name!: string;

  @ApiProperty({
    description: 'The arguments as a JSON string, as the model wrote them.',
    example: '{"city":"Paris"}',
  })
  @IsString()
  arguments!: string;
}

export class ToolCallDto {
  @ApiProperty({
    description: 'The id of the tool call; the `tool` message answering it repeats it.',
    example: 'call_abc123',
  })
  @IsString()
  @IsNotEmpty()
  id!: string;

  @ApiProperty({ description: 'Always `function`.', enum: ['function'], example: 'function' })
  @IsIn(['function'])
  type!: 'function';

  @ApiProperty({ description: 'The function the model called.', type: FunctionCallDto })
  @ValidateNested()
  @Type(() => FunctionCallDto)
  @IsObject()
  function!: FunctionCallDto;
}

export class ChatMessageDto {
  @ApiProperty({ description: 'Who wrote the message.', enum: MESSAGE_ROLES, example: 'user' })
  @IsIn(MESSAGE_ROLES)
  role!: MessageRole;

  @ApiPropertyOptional({
    description:
      'The message text: a string, null (an assistant message that only calls tools), or an array of content parts ' +
      '(`{"type": "text", "text": ...}`, `{"type": "image_url", "image_url": {"url": ...}}`, ...).',
    oneOf: [
      { type: 'string' },
      {
        type: 'array',
        items: {
          type: 'object',
          properties: { type: { type: 'string' } },
          required: ['type'],
          additionalProperties: true,
        },
      },
    ],
    nullable: true,
    example: 'What is the capital of France?',
  })
  @ValidateIf((message: ChatMessageDto) => message.role !== 'assistant' || message.content !== undefined)
  @IsMessageContent()
  content?: string | Array<Record<string, unknown>> | null;

  @ApiPropertyOptional({
    description: 'An optional name for the participant (or, for legacy `function` messages, the function).',
    example: 'alice',
  })
  // Required in a legacy `function` message: it names the function whose result the message is.
  @ValidateIf(
    (message: ChatMessageDto) => message.role === 'function' || (message.name !== undefined && message.name !== null),
  )
  @Matches(/^[^\s<|\\/>]+$/, { message: 'name must not contain spaces or <|\\/>' })
  @IsString()
  name?: string;

  @ApiPropertyOptional({ description: 'Tool calls the assistant made (assistant messages).', type: [ToolCallDto] })
  @IsOptional()
  @IsObject({ each: true })
  @ArrayMaxSize(REQUEST_LIMITS.toolCalls)
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ToolCallDto)
  tool_calls?: ToolCallDto[];

  @ApiPropertyOptional({
    description: 'The tool call this message answers (tool messages; required there).',
    example: 'call_abc123',
  })
  @ValidateIf((message: ChatMessageDto) => message.role === 'tool' || message.tool_call_id !== undefined)
  @IsString()
  @IsNotEmpty()
  tool_call_id?: string;

  @ApiPropertyOptional({ description: 'Legacy: the function call the assistant made.', type: FunctionCallDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => FunctionCallDto)
  function_call?: FunctionCallDto;

  @ApiPropertyOptional({
    description: 'A refusal the assistant wrote (accepted, not replayed).',
    type: 'string',
    nullable: true,
  })
  @IsOptional()
  @IsString()
  refusal?: string | null;

  @ApiPropertyOptional({
    description: 'Audio reference of a previous assistant reply (accepted, not replayed).',
    type: 'object',
    additionalProperties: true,
    nullable: true,
  })
  @IsOptional()
  @IsObject()
  audio?: Record<string, unknown> | null;
}
