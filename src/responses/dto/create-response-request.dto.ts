import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { IsStringMap, TemperatureField, TopPField } from '../../common/validation/openai-request-fields';

/** An object of any shape: checked by the request mapper, which names the failing `param`. */
const ANY_OBJECT = { type: 'object', additionalProperties: true } as const;

/**
 * The body of `POST /v1/responses`. Scalar fields are checked here; `input`, `instructions`, `tools`, `tool_choice`
 * and `text` are polymorphic and checked by the request mapper, which names the failing `param` (`input.2.call_id`).
 * Fields OpenAI defines that the server does not use (`include`, `reasoning`, `truncation`, `service_tier`, ...) and
 * unknown fields are accepted; the validation pipe's whitelist drops the ones not declared.
 * Type checks come last (nearest the property): class-validator reports the first failure from the bottom up.
 */
export class CreateResponseRequestDto {
  @ApiPropertyOptional({ description: 'The served agent (see `GET /v1/models`); default the first one.' })
  @IsOptional()
  @MinLength(1)
  @IsString()
  model?: string;

  @ApiPropertyOptional({
    description:
      'A string (one user message) or a list of items: messages (roles user, system, developer, assistant; parts ' +
      '`input_text`, `input_image`, `output_text`), `function_call`, `function_call_output`, `custom_tool_call`, ' +
      '`custom_tool_call_output` and `item_reference`.',
    oneOf: [{ type: 'string' }, { type: 'array', items: ANY_OBJECT }],
    example: 'Tell me a joke.',
  })
  @Allow()
  input?: unknown;

  @ApiPropertyOptional({
    description: 'Instructions after the agent’s own system message (SYSTEM_MESSAGE_POLICY); not carried over.',
    oneOf: [{ type: 'string' }, { type: 'array', items: ANY_OBJECT }],
    nullable: true,
    example: 'Answer in French.',
  })
  @Allow()
  instructions?: unknown;

  @ApiPropertyOptional({
    description: 'Continue the stored conversation that ended with this response.',
    type: 'string',
    nullable: true,
  })
  @IsOptional()
  @MinLength(1)
  @IsString()
  previous_response_id?: string | null;

  @ApiPropertyOptional({ description: 'Stream Server-Sent Events.', type: 'boolean', nullable: true, default: false })
  @IsOptional()
  @IsBoolean()
  stream?: boolean | null;

  @ApiPropertyOptional({
    description: 'Keep the response so it can be retrieved and continued.',
    type: 'boolean',
    nullable: true,
    default: true,
  })
  @IsOptional()
  @IsBoolean()
  store?: boolean | null;

  @ApiPropertyOptional({
    description: 'Not supported: must be false or absent.',
    type: 'boolean',
    nullable: true,
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  background?: boolean | null;

  @TemperatureField()
  temperature?: number | null;

  @TopPField()
  top_p?: number | null;

  @ApiPropertyOptional({
    description: 'The most output tokens; past it the response is `incomplete` (`max_output_tokens`).',
    type: 'integer',
    nullable: true,
    minimum: 1,
  })
  @IsOptional()
  @Min(1)
  @IsInt()
  max_output_tokens?: number | null;

  @ApiPropertyOptional({
    description: 'Tools the client runs: `function`, `custom` and `namespace`; hosted tool types are left out.',
    type: 'array',
    items: ANY_OBJECT,
    nullable: true,
  })
  @IsOptional()
  @IsObject({ each: true })
  @IsArray()
  tools?: Array<Record<string, unknown>> | null;

  @ApiPropertyOptional({
    description: '`none`, `auto`, `required`, `{type: "function"|"custom", name}` or `{type: "allowed_tools", ...}`.',
    oneOf: [{ type: 'string', enum: ['none', 'auto', 'required'] }, ANY_OBJECT],
    example: 'auto',
  })
  @Allow()
  tool_choice?: unknown;

  @ApiPropertyOptional({
    description: 'Allow several tool calls in one turn.',
    type: 'boolean',
    nullable: true,
    default: true,
  })
  @IsOptional()
  @IsBoolean()
  parallel_tool_calls?: boolean | null;

  @ApiPropertyOptional({
    description: '`{format: {type: "text" | "json_object" | "json_schema", ...}}`.',
    type: 'object',
    properties: { format: ANY_OBJECT },
    nullable: true,
    example: { format: { type: 'text' } },
  })
  @IsOptional()
  @IsObject()
  text?: Record<string, unknown> | null;

  @ApiPropertyOptional({
    description: 'Up to 16 string values, echoed on the response.',
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
  })
  @IsOptional()
  @IsStringMap()
  metadata?: Record<string, string> | null;

  @ApiPropertyOptional({ description: 'Echoed on the response.', type: 'string', nullable: true })
  @IsOptional()
  @IsString()
  user?: string | null;

  @ApiPropertyOptional({ description: 'Echoed on the response.', type: 'string', nullable: true })
  @IsOptional()
  @IsString()
  safety_identifier?: string | null;

  @ApiPropertyOptional({ description: 'Accepted; echoed on the response.', type: 'string', nullable: true })
  @IsOptional()
  @IsString()
  prompt_cache_key?: string | null;

  @ApiPropertyOptional({ description: 'Accepted; echoed on the response.', enum: ['auto', 'disabled'], nullable: true })
  @IsOptional()
  @IsIn(['auto', 'disabled'])
  truncation?: 'auto' | 'disabled' | null;

  @ApiPropertyOptional({
    description: 'Accepted; echoed on the response (`{effort, summary}`).',
    type: 'object',
    additionalProperties: true,
    nullable: true,
  })
  @IsOptional()
  @IsObject()
  reasoning?: Record<string, unknown> | null;

  @ApiPropertyOptional({ description: 'Accepted and ignored.', type: [String] })
  @Allow()
  include?: unknown;

  @ApiPropertyOptional({ description: 'Accepted and ignored.', type: 'string', nullable: true, example: 'auto' })
  @Allow()
  service_tier?: unknown;
}

/** `GET /v1/responses/{id}/input_items` query. */
export class ListInputItemsQueryDto {
  @ApiPropertyOptional({ description: 'List items after this item id.' })
  @IsOptional()
  @IsString()
  after?: string;

  @ApiPropertyOptional({ description: 'How many items, 1 to 100.', default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Min(1)
  @Max(100)
  @IsInt()
  // A query string is text; this one field is a number.
  @Type(() => Number)
  limit?: number;

  @ApiPropertyOptional({ description: '`asc` or `desc` (default).', enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @ApiProperty({ required: false, description: 'Accepted and ignored.', type: [String] })
  @Allow()
  include?: unknown;
}
