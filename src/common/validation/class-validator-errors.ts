import { type ValidationArguments, ValidationError, type ValidatorOptions } from 'class-validator';
import type { ValidationUtils as Utils } from 'class-validator/types/validation/ValidationUtils';

/** class-validator's own message templating ($property, $value, $constraint1...), so the messages are its own. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ValidationUtils } = require('class-validator/cjs/validation/ValidationUtils') as {
  ValidationUtils: typeof Utils;
};

export function templated(template: unknown, args: ValidationArguments): string {
  return ValidationUtils.replaceMessageSpecialTokens(template as string, args);
}

/** class-validator's generateValidationError: the property's error, its target and value as the options say. */
export function newError(
  object: unknown,
  value: unknown,
  property: string,
  options: ValidatorOptions,
): ValidationError {
  const error = new ValidationError();
  if (options.validationError?.target !== false) {
    error.target = object as object;
  }
  if (options.validationError?.value !== false) {
    error.value = value;
  }
  error.property = property;
  error.children = [];
  error.constraints = {};
  return error;
}

/** class-validator's createValidationError: the rule's own message, or its validator's default one, templated. */
export function message(
  metadata: { message?: unknown },
  validator: { defaultMessage?(args: ValidationArguments): string },
  args: ValidationArguments,
  options: ValidatorOptions,
): string {
  let template = (metadata.message || '') as string | ((args: ValidationArguments) => string);
  if (!metadata.message && !options.dismissDefaultMessages && typeof validator.defaultMessage === 'function') {
    template = validator.defaultMessage(args);
  }
  return templated(template, args);
}
