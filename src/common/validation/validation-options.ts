import { BadRequestException, type ValidationError, type ValidationPipeOptions } from '@nestjs/common';
import { errorBody } from '../errors/error-response';

/**
 * `whitelist` strips fields we do not know instead of rejecting them: OpenAI clients send many optional fields
 * (and new ones every month), and a 400 for an unknown field breaks them. No implicit conversion: a string where a
 * number belongs is the client's bug and gets a clear 400.
 */
export const validationOptions: ValidationPipeOptions = {
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: false,
  stopAtFirstError: true,
  exceptionFactory: (errors: ValidationError[]) => {
    const { param, message } = firstError(errors);
    return new BadRequestException(errorBody(message, 'invalid_request_error', param, null));
  },
};

/** Walks to the first leaf error, building the dotted path OpenAI reports as `param` (e.g. `messages.0.role`). */
export function firstError(errors: ValidationError[], prefix = ''): { param: string | null; message: string } {
  const error = errors[0];
  if (!error) {
    return { param: prefix || null, message: 'Invalid request.' };
  }
  const path = prefix ? `${prefix}.${error.property}` : error.property;
  if (error.constraints && Object.keys(error.constraints).length > 0) {
    const message = readable(Object.values(error.constraints)[0]);
    return { param: path, message: `Invalid '${path}': ${message}.` };
  }
  if (error.children && error.children.length > 0) {
    return firstError(error.children, path);
  }
  return { param: path, message: `Invalid '${path}'.` };
}

/** class-validator's default for `@ArrayMinSize(1)` reads "must contain at least 1 elements". */
function readable(message: string): string {
  return message
    .replace(/ must contain at least 1 elements$/, ' must not be empty')
    .replace(/ 1 elements$/, ' 1 element');
}
