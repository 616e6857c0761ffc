import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isJsonObject } from '../../core/json-object';

/** `stop` is a string or an array of up to 4 strings. */
export function IsStop(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStop',
      validator: {
        validate: (value: unknown) =>
          value === null ||
          typeof value === 'string' ||
          (Array.isArray(value) && value.length <= 4 && value.every((s) => typeof s === 'string')),
        defaultMessage: () => 'stop must be a string or an array of at most 4 strings',
      },
    },
    options,
  );
}

/** `tool_choice` is `none`, `auto`, `required`, or `{type: "function", function: {name}}`. */
export function IsToolChoice(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isToolChoice',
      validator: {
        validate: (value: unknown) =>
          value === 'none' ||
          value === 'auto' ||
          value === 'required' ||
          (isJsonObject(value) &&
            value.type === 'function' &&
            isJsonObject(value.function) &&
            typeof value.function.name === 'string'),
        defaultMessage: () =>
          'tool_choice must be "none", "auto", "required", or {"type": "function", "function": {"name": ...}}',
      },
    },
    options,
  );
}

/** Legacy `function_call`: `none`, `auto`, or `{name}`. */
export function IsFunctionCallChoice(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isFunctionCallChoice',
      validator: {
        validate: (value: unknown) =>
          value === 'none' || value === 'auto' || (isJsonObject(value) && typeof value.name === 'string'),
        defaultMessage: () => 'function_call must be "none", "auto", or {"name": ...}',
      },
    },
    options,
  );
}
