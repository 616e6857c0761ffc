import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Schema = Record<string, unknown>;

/**
 * OpenAPI 3.0 schemas mark null with `nullable: true`, also beside `$ref`/`anyOf` where JSON Schema has no `type` to
 * extend; rewritten as `anyOf [schema, null]` they mean the same to a JSON Schema validator.
 */
export function nullableToJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(nullableToJsonSchema);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const { nullable, ...rest } = value as Schema;
  const converted = Object.fromEntries(Object.entries(rest).map(([key, v]) => [key, nullableToJsonSchema(v)]));
  return nullable === true ? { anyOf: [converted, { type: 'null' }] } : converted;
}

/** OpenAI's own `CreateChatCompletionRequest` (test/fixtures, copied from OpenAI's OpenAPI description). */
export function openAiChatRequestValidator(): ValidateFunction {
  const file = join(__dirname, '..', 'fixtures', 'openai-create-chat-completion-request.schema.json');
  const schema = nullableToJsonSchema(JSON.parse(readFileSync(file, 'utf8'))) as Schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** The request's properties, and the schemas they refer to. */
export function openAiChatRequestSchema(): { properties: Record<string, Schema>; definitions: Record<string, Schema> } {
  const file = join(__dirname, '..', 'fixtures', 'openai-create-chat-completion-request.schema.json');
  const { definitions } = JSON.parse(readFileSync(file, 'utf8')) as { definitions: Record<string, Schema> };
  const properties: Record<string, Schema> = {};
  // The request is an allOf of shared parts; their properties together are the request's.
  const collect = (schema: Schema): void => {
    const ref = schema.$ref as string | undefined;
    if (ref) {
      collect(definitions[ref.split('/').pop() as string]);
    }
    for (const part of (schema.allOf as Schema[] | undefined) ?? []) {
      collect(part);
    }
    Object.assign(properties, schema.properties ?? {});
  };
  collect(definitions.CreateChatCompletionRequest);
  return { properties, definitions };
}
