import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import schemas from '../fixtures/openai-responses-schemas.json';

/**
 * OpenAI's published schemas for the Responses API (copied into test/fixtures with their source and commit), compiled
 * once. `expectSchema('Response', body)` fails the test with ajv's errors when the body does not match.
 */
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// OpenAPI's own format for unix timestamps.
ajv.addFormat('unixtime', true);
ajv.addSchema({ $id: 'openai', components: schemas.components });

export function schemaErrors(name: string, value: unknown): string[] {
  const validate = ajv.getSchema(`openai#/components/schemas/${name}`);
  if (!validate) {
    throw new Error(`No schema named ${name} in the fixture`);
  }
  if (validate(value)) {
    return [];
  }
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

export function expectSchema(name: string, value: unknown): void {
  const errors = schemaErrors(name, value);
  if (errors.length > 0) {
    throw new Error(
      `${name} does not match OpenAI's schema:\n${errors.slice(0, 20).join('\n')}\n${JSON.stringify(value)}`,
    );
  }
}

/** The stream event schema for each event `type` (ResponseStreamEvent is a union of them). */
const eventSchemas = new Map<string, string>();
const components = schemas.components.schemas as Record<string, { properties?: { type?: { enum?: string[] } } }>;
for (const ref of (schemas.components.schemas.ResponseStreamEvent as { anyOf: Array<{ $ref: string }> }).anyOf) {
  const name = ref.$ref.split('/').pop()!;
  const type = components[name]?.properties?.type?.enum?.[0];
  if (type) {
    eventSchemas.set(type, name);
  }
}

/** Validates one stream event against the schema of its own type (and fails on a type OpenAI does not define). */
export function expectEvent(event: { type: string }): void {
  const name = eventSchemas.get(event.type);
  if (!name) {
    throw new Error(`'${event.type}' is not a ResponseStreamEvent type`);
  }
  expectSchema(name, event);
}
