import { Ajv } from 'ajv';
import { ValidateBy, type ValidationOptions } from 'class-validator';
import { REQUEST_LIMITS } from './request-limits';
import { isJsonObject } from '../../core/json-object';

type Plain = Record<string, unknown>;

function rule(
  name: string,
  validate: (value: unknown, object: Plain) => boolean,
  message: string,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value, args) => validate(value, (args?.object ?? {}) as Plain),
        defaultMessage: () => message,
      },
    },
    options,
  );
}

/** Token ids (as OpenAI's tokenizers number them) to a bias from -100 to 100; at most 1024 of them, as OpenAI. */
export function IsLogitBias(options?: ValidationOptions): PropertyDecorator {
  return rule(
    'isLogitBias',
    (value) => {
      if (!isJsonObject(value)) {
        return false;
      }
      let entries = 0;
      for (const key in value) {
        const bias = value[key];
        if (++entries > REQUEST_LIMITS.logitBias || !/^\d+$/.test(key)) {
          return false;
        }
        if (typeof bias !== 'number' || bias < -100 || bias > 100) {
          return false;
        }
      }
      return true;
    },
    `logit_bias must map at most ${REQUEST_LIMITS.logitBias} token ids to numbers from -100 to 100`,
    options,
  );
}

/**
 * A JSON Schema, checked against the JSON Schema meta-schema (draft-07, which also reads the newer drafts' keywords as
 * unknown, accepted ones): `{"type": "nonsense"}` is a client bug the upstream would answer with a 400 after the
 * request was queued. The body's nesting and size are bounded before this runs (json-shape.ts), so its cost is too.
 */
export function IsJsonSchema(options?: ValidationOptions): PropertyDecorator {
  return rule('isJsonSchema', isJsonSchema, '$property must be a JSON Schema object', options);
}

/** Built at load, its meta-schema compiled (~30 ms): not in the first request that sends a schema. */
const metaValidator = new Ajv({ strict: false, validateFormats: false });
void metaValidator.validateSchema({});

function isJsonSchema(value: unknown): boolean {
  if (!isJsonObject(value)) {
    return false;
  }
  // `$schema` may name a draft ajv does not bundle (2020-12): the keywords are checked against draft-07's meta-schema.
  const { $schema, ...schema } = value;
  if ($schema !== undefined && typeof $schema !== 'string') {
    return false;
  }
  try {
    return metaValidator.validateSchema(schema) === true;
  } catch {
    return false;
  }
}

/** Function names are unique across `tools` (and the legacy `functions`): the model calls a function by its name. */
export function HasUniqueFunctionNames(options?: ValidationOptions): PropertyDecorator {
  return rule(
    'hasUniqueFunctionNames',
    (value, object) => {
      if (!Array.isArray(value)) {
        return true;
      }
      const names = new Set<unknown>();
      for (const tools of [object.tools, object.functions]) {
        for (const item of Array.isArray(tools) ? (tools as unknown[]) : []) {
          const name = isJsonObject(item) ? (isJsonObject(item.function) ? item.function.name : item.name) : undefined;
          if (typeof name === 'string') {
            if (names.has(name)) {
              return false;
            }
            names.add(name);
          }
        }
      }
      return true;
    },
    '$property must not name the same function twice (across tools and functions)',
    options,
  );
}

/** `prediction`: `{"type": "content", "content": <string or text parts>}`. */
export function IsPrediction(options?: ValidationOptions): PropertyDecorator {
  return rule(
    'isPrediction',
    (value) =>
      isJsonObject(value) &&
      value.type === 'content' &&
      (typeof value.content === 'string' ||
        (Array.isArray(value.content) &&
          value.content.length > 0 &&
          value.content.every((part) => isJsonObject(part) && part.type === 'text' && typeof part.text === 'string'))),
    'prediction must be {"type": "content", "content": <a string or text parts>}',
    options,
  );
}

/** `audio` (output audio): `{"voice": <name or {"id"}>, "format": <string>}`. */
export function IsAudioOutput(options?: ValidationOptions): PropertyDecorator {
  return rule(
    'isAudioOutput',
    (value) =>
      isJsonObject(value) &&
      typeof value.format === 'string' &&
      (typeof value.voice === 'string' || (isJsonObject(value.voice) && typeof value.voice.id === 'string')),
    'audio must be {"voice": <a voice name or {"id": ...}>, "format": <a format name>}',
    options,
  );
}

/** `web_search_options`: an object; `search_context_size` a string, `user_location` null or an approximate location. */
export function IsWebSearchOptions(options?: ValidationOptions): PropertyDecorator {
  return rule(
    'isWebSearchOptions',
    (value) => {
      if (!isJsonObject(value)) {
        return false;
      }
      const { search_context_size: size, user_location: location } = value;
      const locationOk =
        location === undefined ||
        location === null ||
        (isJsonObject(location) && location.type === 'approximate' && isJsonObject(location.approximate));
      return (size === undefined || typeof size === 'string') && locationOk;
    },
    'web_search_options must be an object: {"search_context_size": <string>, "user_location": <null or location>}',
    options,
  );
}
