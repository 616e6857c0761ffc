/**
 * The part of JSON Schema that node-llama-cpp's grammar enforces. It silently degrades anything else (an unknown
 * `type` becomes `null`, `allOf` is dropped), which would break the promise that a `json_schema` reply fits the
 * schema; so such schemas are refused up front, naming what is unsupported.
 */
const ENFORCED = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'enum',
  'const',
  'oneOf',
  'anyOf',
  '$ref',
  '$defs',
  'minLength',
  'maxLength',
  'format',
]);

/** Keywords that only describe: ignoring them cannot make a reply invalid. */
const ANNOTATIONS = new Set([
  'title',
  'description',
  '$schema',
  '$id',
  '$comment',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);

/** Returns the problems found (empty when the grammar can enforce the whole schema). */
export function unsupportedSchemaParts(schema: unknown, path = '#'): string[] {
  if (typeof schema === 'boolean') {
    return [];
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return [`${path} is not a schema object`];
  }
  const problems: string[] = [];
  const node = schema as Record<string, unknown>;
  for (const [key, value] of Object.entries(node)) {
    if (ANNOTATIONS.has(key)) {
      continue;
    }
    if (!ENFORCED.has(key)) {
      problems.push(`${path}/${key}`);
      continue;
    }
    switch (key) {
      case 'type': {
        const types = Array.isArray(value) ? (value as unknown[]) : [value];
        if (types.length === 0 || types.some((t) => typeof t !== 'string' || !TYPES.has(t))) {
          problems.push(`${path}/type (${JSON.stringify(value)})`);
        }
        break;
      }
      case 'properties':
      case '$defs':
        if (typeof value !== 'object' || value === null) {
          problems.push(`${path}/${key}`);
        } else {
          for (const [name, sub] of Object.entries(value)) {
            problems.push(...unsupportedSchemaParts(sub, `${path}/${key}/${name}`));
          }
        }
        break;
      case 'items':
      case 'additionalProperties':
        problems.push(...unsupportedSchemaParts(value, `${path}/${key}`));
        break;
      case 'prefixItems':
      case 'oneOf':
      case 'anyOf':
        if (!Array.isArray(value)) {
          problems.push(`${path}/${key}`);
        } else {
          value.forEach((sub, i) => problems.push(...unsupportedSchemaParts(sub, `${path}/${key}/${i}`)));
        }
        break;
      case 'enum':
        if (!Array.isArray(value) || value.length === 0) {
          problems.push(`${path}/enum`);
        }
        break;
    }
  }
  return problems;
}

/**
 * node-llama-cpp knows `oneOf` but not `anyOf`; for generating one value they mean the same (any one branch that
 * fits), so `anyOf` is rewritten to `oneOf`.
 */
export function toGrammarSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) {
    return schema.map(toGrammarSchema);
  }
  if (typeof schema !== 'object' || schema === null) {
    return schema;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' || key === '$defs') {
      // Keys here are names, not keywords: keep them, rewrite the schemas under them.
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, sub]) => [name, toGrammarSchema(sub)]),
      );
    } else {
      out[key === 'anyOf' ? 'oneOf' : key] = key === 'enum' || key === 'const' ? value : toGrammarSchema(value);
    }
  }
  return out;
}
