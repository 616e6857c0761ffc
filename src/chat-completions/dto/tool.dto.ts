import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { IsJsonSchema } from './option.validators';

export class FunctionDefinitionDto {
  @ApiProperty({
    description: 'The function name: letters, digits, underscores and dashes, at most 64.',
    example: 'get_weather',
  })
  @IsString()
  @Matches(/^[a-zA-Z0-9_-]{1,64}$/, { message: 'name must be 1-64 letters, digits, underscores or dashes' })
  name!: string;

  @ApiPropertyOptional({
    description: 'What the function does; the model reads it.',
    example: 'Current weather in a city',
  })
  @IsOptional()
  @IsString()
  description?: string;

  @ApiPropertyOptional({
    description: 'JSON Schema of the arguments object.',
    type: 'object',
    additionalProperties: true,
    example: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  })
  @IsOptional()
  @IsJsonSchema()
  @IsObject()
  parameters?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Ask the backend to follow the schema exactly.',
    type: 'boolean',
    nullable: true,
  })
  @IsOptional()
  @IsBoolean()
  strict?: boolean | null;
}

export class ToolDto {
  @ApiProperty({ description: 'Always `function`.', enum: ['function'], example: 'function' })
  @IsIn(['function'])
  type!: 'function';

  @ApiProperty({ description: 'The function the model may call.', type: FunctionDefinitionDto })
  @ValidateNested()
  @Type(() => FunctionDefinitionDto)
  @IsObject()
  function!: FunctionDefinitionDto;
}
