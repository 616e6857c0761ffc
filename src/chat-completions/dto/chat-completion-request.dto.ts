import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ChatMessageDto } from './chat-message.dto';
import { ResponseFormatDto } from './response-format.dto';
import { FunctionDefinitionDto, ToolDto } from './tool.dto';
import {
  HasUniqueFunctionNames,
  IsAudioOutput,
  IsLogitBias,
  IsPrediction,
  IsWebSearchOptions,
} from './option.validators';
import { AUDIO_OUTPUT_PROPERTY, PREDICTION_PROPERTY, WEB_SEARCH_OPTIONS_PROPERTY } from './option.schemas';
import { REQUEST_LIMITS } from './request-limits';
import { IsFunctionCallChoice, IsStop, IsToolChoice } from './validators';
import { IsStringMap, TemperatureField, TopPField } from '../../common/validation/openai-request-fields';

export class StreamOptionsDto {
  @ApiPropertyOptional({
    description: 'Send a last chunk with `choices: []` and the usage of the whole request.',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  include_usage?: boolean;

  @ApiPropertyOptional({ description: 'Accepted for compatibility; obfuscation padding is not added.' })
  @IsOptional()
  @IsBoolean()
  include_obfuscation?: boolean;
}

/**
 * The body of `POST /v1/chat/completions`. Fields OpenAI defines that we do not use are accepted and dropped (the
 * validation pipe's whitelist), never rejected.
 */
/**
 * class-validator runs a property's decorators from the bottom up and the client hears of the first failure, so a type
 * check comes last (nearest the property): a string temperature is "must be a number", not "must not be greater than 2".
 */
export class ChatCompletionRequestDto {
  @ApiPropertyOptional({
    description: 'The served agent to talk to (see `GET /v1/models`). Defaults to the first served agent.',
    example: 'camel-model',
  })
  @IsOptional()
  @MinLength(1)
  @IsString()
  model?: string;

  @ApiProperty({
    description: 'The whole conversation so far, oldest first. The agent’s own system message is put before it.',
    type: [ChatMessageDto],
    example: [{ role: 'user', content: 'What is the capital of France?' }],
  })
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  // class-validator's nested rule walks into an array inside the array; a message is an object.
  @IsObject({ each: true })
  @ArrayMaxSize(REQUEST_LIMITS.messages)
  @IsArray()
  messages!: ChatMessageDto[];

  @ApiPropertyOptional({
    description: 'Stream the reply as Server-Sent Events.',
    type: 'boolean',
    nullable: true,
    default: false,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  stream?: boolean | null;

  @ApiPropertyOptional({ description: 'Options for streaming replies.', type: StreamOptionsDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  @IsObject()
  stream_options?: StreamOptionsDto | null;

  @TemperatureField(0.7)
  temperature?: number | null;

  @TopPField(1)
  top_p?: number | null;

  @ApiPropertyOptional({
    description: 'Deprecated alias of `max_completion_tokens`.',
    type: 'integer',
    nullable: true,
    minimum: 1,
    example: 256,
  })
  @IsOptional()
  @Min(1)
  @IsInt()
  max_tokens?: number | null;

  @ApiPropertyOptional({
    description: 'The most tokens to generate; the reply is cut with `finish_reason: "length"`.',
    type: 'integer',
    nullable: true,
    minimum: 1,
    example: 256,
  })
  @IsOptional()
  @Min(1)
  @IsInt()
  max_completion_tokens?: number | null;

  @ApiPropertyOptional({
    description: 'Up to 4 sequences where generation stops (not included in the reply).',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 4 }],
    nullable: true,
    example: ['\n\n'],
  })
  @IsOptional()
  @IsStop()
  stop?: string | string[] | null;

  @ApiPropertyOptional({
    description: 'How many independent choices to generate.',
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: 16,
    default: 1,
  })
  @IsOptional()
  @Min(1)
  @Max(16)
  @IsInt()
  n?: number | null;

  @ApiPropertyOptional({
    description: 'Seed for deterministic sampling, where the backend supports it.',
    type: 'integer',
    nullable: true,
    example: 42,
  })
  @IsOptional()
  @IsInt()
  seed?: number | null;

  @ApiPropertyOptional({
    description: 'Penalize tokens already present, -2 to 2.',
    type: 'number',
    nullable: true,
    minimum: -2,
    maximum: 2,
    default: 0,
  })
  @IsOptional()
  @Min(-2)
  @Max(2)
  @IsNumber()
  presence_penalty?: number | null;

  @ApiPropertyOptional({
    description: 'Penalize frequent tokens, -2 to 2.',
    type: 'number',
    nullable: true,
    minimum: -2,
    maximum: 2,
    default: 0,
  })
  @IsOptional()
  @Min(-2)
  @Max(2)
  @IsNumber()
  frequency_penalty?: number | null;

  @ApiPropertyOptional({
    description: 'Token id to bias (-100 to 100), passed to backends that support it.',
    type: 'object',
    additionalProperties: { type: 'number' },
    nullable: true,
  })
  @IsOptional()
  @IsLogitBias()
  logit_bias?: Record<string, number> | null;

  @ApiPropertyOptional({
    description: 'The reply format: text, any JSON object, or JSON following a schema.',
    type: ResponseFormatDto,
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ResponseFormatDto)
  @IsObject()
  response_format?: ResponseFormatDto;

  @ApiPropertyOptional({
    description: 'Functions the model may call; calls come back as `tool_calls`.',
    type: [ToolDto],
  })
  @IsOptional()
  @HasUniqueFunctionNames()
  @IsObject({ each: true })
  @ArrayMaxSize(REQUEST_LIMITS.tools)
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ToolDto)
  tools?: ToolDto[];

  @ApiPropertyOptional({
    description: '`none`, `auto`, `required`, or `{"type": "function", "function": {"name": ...}}`.',
    oneOf: [
      { type: 'string', enum: ['none', 'auto', 'required'] },
      {
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['function'] },
          function: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
        required: ['type', 'function'],
      },
    ],
    example: 'auto',
  })
  @IsOptional()
  @IsToolChoice()
  tool_choice?: 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

  @ApiPropertyOptional({ description: 'Allow several tool calls in one turn.', type: 'boolean', default: true })
  @IsOptional()
  @IsBoolean()
  parallel_tool_calls?: boolean;

  @ApiPropertyOptional({ description: 'Legacy: functions the model may call.', type: [FunctionDefinitionDto] })
  @IsOptional()
  @HasUniqueFunctionNames()
  @IsObject({ each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(REQUEST_LIMITS.tools)
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FunctionDefinitionDto)
  functions?: FunctionDefinitionDto[];

  @ApiPropertyOptional({
    description: 'Legacy: `none`, `auto` or `{"name": ...}`.',
    oneOf: [
      { type: 'string', enum: ['none', 'auto'] },
      { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    ],
    example: 'auto',
  })
  @IsOptional()
  @IsFunctionCallChoice()
  function_call?: 'none' | 'auto' | { name: string };

  @ApiPropertyOptional({ description: 'An id for the end user, passed to the backend.', example: 'user-1234' })
  @IsOptional()
  @IsString()
  user?: string;

  @ApiPropertyOptional({
    description: 'Up to 16 string key-value pairs, passed to the backend.',
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
    example: { app: 'demo' },
  })
  @IsOptional()
  @IsStringMap()
  metadata?: Record<string, string> | null;

  // Validated, not used: a wrong type is the client's bug, and OpenAI answers it with a 400 too. Strings rather than
  // today's enum values for the open-ended ones, as upstreams add values (reasoning_effort gained xhigh and max).
  @ApiPropertyOptional({
    description: 'Return log probabilities (accepted, not returned).',
    type: 'boolean',
    nullable: true,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  logprobs?: boolean | null;

  @ApiPropertyOptional({
    description: 'Most likely tokens per position, 0 to 20 (accepted, not returned).',
    type: 'integer',
    nullable: true,
    minimum: 0,
    maximum: 20,
  })
  @IsOptional()
  @Min(0)
  @Max(20)
  @IsInt()
  top_logprobs?: number | null;

  @ApiPropertyOptional({
    description: 'Processing tier (accepted, not used): `auto`, `default`, `flex`, `scale`, `priority`, ...',
    type: 'string',
    nullable: true,
    example: 'auto',
  })
  @IsOptional()
  @IsString()
  service_tier?: string | null;

  @ApiPropertyOptional({
    description: 'Reasoning effort (accepted, not used): `none`, `minimal`, `low`, `medium`, `high`, ...',
    type: 'string',
    nullable: true,
    example: 'medium',
  })
  @IsOptional()
  @IsString()
  reasoning_effort?: string | null;

  @ApiPropertyOptional({
    description: 'Verbosity (accepted, not used): `low`, `medium` or `high`.',
    type: 'string',
    nullable: true,
    example: 'medium',
  })
  @IsOptional()
  @IsString()
  verbosity?: string | null;

  @ApiPropertyOptional({
    description: 'Store the completion (accepted, not used).',
    type: 'boolean',
    nullable: true,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  store?: boolean | null;

  @ApiPropertyOptional({
    description: 'Output modalities (accepted, not used): `text`, `audio`.',
    type: 'array',
    items: { type: 'string' },
    nullable: true,
    example: ['text'],
  })
  @IsOptional()
  @IsString({ each: true })
  @IsArray()
  modalities?: string[] | null;

  @ApiPropertyOptional(PREDICTION_PROPERTY)
  @IsOptional()
  @IsPrediction()
  prediction?: Record<string, unknown> | null;

  @ApiPropertyOptional(AUDIO_OUTPUT_PROPERTY)
  @IsOptional()
  @IsAudioOutput()
  audio?: Record<string, unknown> | null;

  @ApiPropertyOptional(WEB_SEARCH_OPTIONS_PROPERTY)
  @IsOptional()
  @IsWebSearchOptions()
  web_search_options?: Record<string, unknown> | null;
}
