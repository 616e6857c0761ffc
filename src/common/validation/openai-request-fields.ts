import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, Max, Min, ValidateBy, type ValidationOptions } from 'class-validator';
import { isJsonObject } from '../../core/json-object';

/** Fields that OpenAI's Chat Completions and Responses requests share, with the same bounds, documented once. */

/** A flat object of string values, as OpenAI's `metadata` (at most 16 pairs). */
export function IsStringMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate: (value: unknown) =>
          isJsonObject(value) &&
          Object.keys(value).length <= 16 &&
          Object.values(value).every((v) => typeof v === 'string'),
        defaultMessage: () => 'metadata must be an object of at most 16 string values',
      },
    },
    options,
  );
}

/** `temperature`: 0 to 2, or null. */
export function TemperatureField(example?: number): PropertyDecorator {
  // Applied in the order the stacked decorators were (bottom first): the type error is the one reported first.
  return applyDecorators(
    IsNumber(),
    Max(2),
    Min(0),
    IsOptional(),
    ApiPropertyOptional({
      description: 'Sampling temperature, 0 to 2.',
      type: 'number',
      nullable: true,
      minimum: 0,
      maximum: 2,
      ...(example === undefined ? {} : { example }),
    }),
  );
}

/** `top_p`: 0 to 1, or null. */
export function TopPField(example?: number): PropertyDecorator {
  // Applied in the order the stacked decorators were (bottom first): the type error is the one reported first.
  return applyDecorators(
    IsNumber(),
    Max(1),
    Min(0),
    IsOptional(),
    ApiPropertyOptional({
      description: 'Nucleus sampling, 0 to 1.',
      type: 'number',
      nullable: true,
      minimum: 0,
      maximum: 1,
      ...(example === undefined ? {} : { example }),
    }),
  );
}
