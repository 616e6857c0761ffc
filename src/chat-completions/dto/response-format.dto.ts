import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { IsJsonSchema } from './option.validators';

export class JsonSchemaFormatDto {
  @ApiProperty({ description: 'A name for the schema.', example: 'city_info' })
  @IsString()
  @Matches(/^[a-zA-Z0-9_-]{1,64}$/, { message: 'name must be 1-64 letters, digits, underscores or dashes' })
  name!: string;

  @ApiPropertyOptional({ description: 'What the schema is for.' })
  @IsOptional()
  @IsString()
  description?: string;

  @ApiPropertyOptional({
    description: 'The JSON Schema the reply must follow.',
    type: 'object',
    additionalProperties: true,
    example: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  })
  @IsOptional()
  @IsJsonSchema()
  @IsObject()
  schema?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Follow the schema exactly.', type: 'boolean', nullable: true })
  @IsOptional()
  @IsBoolean()
  strict?: boolean | null;
}

export class ResponseFormatDto {
  @ApiProperty({
    description: '`text`, `json_object` (any JSON object) or `json_schema` (JSON following `json_schema.schema`).',
    enum: ['text', 'json_object', 'json_schema'],
    example: 'json_object',
  })
  @IsIn(['text', 'json_object', 'json_schema'])
  type!: 'text' | 'json_object' | 'json_schema';

  @ApiPropertyOptional({ description: 'Required with `type: "json_schema"`.', type: JsonSchemaFormatDto })
  @ValidateIf((format: ResponseFormatDto) => format.type === 'json_schema')
  @IsObject({ message: 'json_schema is required when type is "json_schema"' })
  @ValidateNested()
  @Type(() => JsonSchemaFormatDto)
  json_schema?: JsonSchemaFormatDto;
}
