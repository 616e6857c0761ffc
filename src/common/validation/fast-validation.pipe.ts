import { ValidationPipe, type ValidationPipeOptions } from '@nestjs/common';
import type { ValidationError, ValidatorOptions } from 'class-validator';
import { ValidationVerdict } from './validation-verdict';

/**
 * Nest's ValidationPipe (the same transformation, options and errors), with a fast verdict in front of
 * class-validator: a valid body is accepted without class-validator's per-call bookkeeping, anything else goes through
 * class-validator, which reports the error. See ValidationVerdict for why and how it stays the same rules.
 */
export class FastValidationPipe extends ValidationPipe {
  private readonly verdict = new ValidationVerdict();

  constructor(options?: ValidationPipeOptions) {
    super(options);
  }

  protected override validate(
    object: object,
    validatorOptions?: ValidatorOptions,
  ): Promise<ValidationError[]> | ValidationError[] {
    return this.verdict.accepts(object, validatorOptions) ? [] : super.validate(object, validatorOptions);
  }
}
