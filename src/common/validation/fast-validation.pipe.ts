import { type ArgumentMetadata, ValidationPipe, type ValidationPipeOptions } from '@nestjs/common';
import type { ValidationError, ValidatorOptions } from 'class-validator';
import { yieldToIo } from '../../core/yield-to-io';
import { DtoInstantiator } from './dto-instantiator';
import { ValidationVerdict } from './validation-verdict';

/**
 * Nest's ValidationPipe (the same transformation, options and errors), with a linear path for the common case: a
 * JSON object body for a DTO class becomes its instance without class-transformer (DtoInstantiator), and is judged
 * without class-validator (ValidationVerdict: the verdict and, when invalid, the first error as class-validator
 * would report it). Whatever either does not cover goes through Nest's own steps, which decide.
 */
/**
 * A body this heavy (values, plus KB of strings: about 1 MB of JSON) is validated in a turn of the event loop of its
 * own, and handed on in another: for a 10 MB body each step (parsing, validation, the upstream request's
 * serialization) costs tens of milliseconds, which other requests should not wait for in a row. For a small body the
 * steps are short and stay together.
 */
const HEAVY_BODY = 1_000;

export class FastValidationPipe extends ValidationPipe {
  private readonly verdict = new ValidationVerdict();
  private readonly instantiator: DtoInstantiator;

  constructor(options?: ValidationPipeOptions) {
    super(options);
    this.instantiator = new DtoInstantiator(options?.whitelist === true);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    if (
      metadata.type !== 'body' ||
      !metatype ||
      !this.isTransformEnabled ||
      this.expectedType ||
      !this.toValidate(metadata) ||
      !isPlainObject(value)
    ) {
      return super.transform(value, metadata);
    }
    // What ValidationPipe does for a plain object (no gaps, primitives or binary values in parsed JSON to care for).
    const instantiated = this.instantiator.instantiate(metatype as new () => object, value);
    if (!instantiated) {
      return super.transform(value, metadata);
    }
    const { entity, weight } = instantiated;
    if (weight > HEAVY_BODY) {
      await yieldToIo();
    }
    const errors = await this.validate(entity, {
      ...this.validatorOptions,
      validationError: { target: false, ...this.validatorOptions.validationError },
    });
    if (errors.length > 0) {
      if (this.validatorOptions.validationError?.value === undefined) {
        this.stripParentErrorValues(errors);
      }
      throw await this.exceptionFactory(errors);
    }
    if (weight > HEAVY_BODY) {
      await yieldToIo();
    }
    return entity;
  }

  protected override validate(
    object: object,
    validatorOptions?: ValidatorOptions,
  ): Promise<ValidationError[]> | ValidationError[] {
    return this.verdict.check(object, validatorOptions) ?? super.validate(object, validatorOptions);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
