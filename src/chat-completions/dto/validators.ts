import { ValidateBy, type ValidationOptions } from 'class-validator';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a content part is invalid, or undefined when it is fine. */
function contentPartProblem(part: unknown): string | undefined {
  if (!isPlainObject(part) || typeof part.type !== 'string') {
    return 'each content part must be an object with a string `type`';
  }
  if (part.type === 'text' && typeof part.text !== 'string') {
    return 'a `text` part needs a string `text`';
  }
  if (part.type === 'image_url' && !(isPlainObject(part.image_url) && typeof part.image_url.url === 'string')) {
    return 'an `image_url` part needs `image_url.url`';
  }
  return undefined;
}

/** `content` is a string, null, or an array of parts (opencode, Continue and others always send arrays). */
export function IsMessageContent(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMessageContent',
      validator: {
        validate: (value: unknown) =>
          value === null ||
          value === undefined ||
          typeof value === 'string' ||
          (Array.isArray(value) && value.every((part) => contentPartProblem(part) === undefined)),
        defaultMessage: (args) => {
          if (Array.isArray(args?.value)) {
            const problem = (args.value as unknown[]).map(contentPartProblem).find(Boolean);
            return `content: ${problem ?? 'invalid content part'}`;
          }
          return 'content must be a string, null, or an array of content parts';
        },
      },
    },
    options,
  );
}

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
          (isPlainObject(value) &&
            value.type === 'function' &&
            isPlainObject(value.function) &&
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
          value === 'none' || value === 'auto' || (isPlainObject(value) && typeof value.name === 'string'),
        defaultMessage: () => 'function_call must be "none", "auto", or {"name": ...}',
      },
    },
    options,
  );
}

/** A flat object of string values, as OpenAI's `metadata` (at most 16 pairs). */
export function IsStringMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate: (value: unknown) =>
          isPlainObject(value) &&
          Object.keys(value).length <= 16 &&
          Object.values(value).every((v) => typeof v === 'string'),
        defaultMessage: () => 'metadata must be an object of at most 16 string values',
      },
    },
    options,
  );
}
