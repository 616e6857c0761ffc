import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';

/** How one value fared against a schema; the shape the MCP SDK's `jsonSchemaValidator` expects. */
export type SchemaCheck<T = unknown> =
  { valid: true; data: T; errorMessage: undefined } | { valid: false; data: undefined; errorMessage: string };

type AnyAjv = Ajv | Ajv2019 | Ajv2020;

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module object.
const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as unknown as (
  ajv: AnyAjv,
) => AnyAjv;

const instances = new Map<string, AnyAjv>();

/** One Ajv per dialect, made on first use: compiling a 2020-12 schema with a draft-07 Ajv fails on its `$schema`. */
function ajvFor(dialect: 'draft-07' | '2019-09' | '2020-12'): AnyAjv {
  let ajv = instances.get(dialect);
  if (!ajv) {
    // Servers' schemas are theirs, not ours: unknown keywords and formats are tolerated, not fatal.
    const options = { allErrors: true, strict: false, validateSchema: false } as const;
    ajv =
      dialect === '2020-12' ? new Ajv2020(options) : dialect === '2019-09' ? new Ajv2019(options) : new Ajv(options);
    addFormats(ajv);
    instances.set(dialect, ajv);
  }
  return ajv;
}

function dialectOf(schema: Record<string, unknown>): 'draft-07' | '2019-09' | '2020-12' {
  const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (declared.includes('2020-12')) {
    return '2020-12';
  }
  return declared.includes('2019-09') ? '2019-09' : 'draft-07';
}

/**
 * Compiles a JSON Schema in the dialect its `$schema` names (draft-07 when it names none or an older one; draft-07
 * and 2020-12 are what MCP servers write). A schema Ajv cannot compile checks nothing: the server validates again,
 * and one odd schema must not cost the agent a whole server.
 */
export function compileSchema<T = unknown>(
  schema: Record<string, unknown>,
  dataVar = 'arguments',
): (value: unknown) => SchemaCheck<T> {
  const dialect = dialectOf(schema);
  const ajv = ajvFor(dialect);
  let validate: ValidateFunction;
  try {
    // `$schema` is dropped: Ajv looks the meta-schema up by that URI, and the instance already is that dialect. So is
    // `$id`: Ajv refuses a second schema with the same id, and a reconnected server lists the same schemas again.
    const { $schema: _dialect, $id: _id, ...rest } = schema;
    validate = ajv.compile(rest);
  } catch {
    return (value) => ({ valid: true, data: value as T, errorMessage: undefined });
  }
  return (value) =>
    validate(value)
      ? { valid: true, data: value as T, errorMessage: undefined }
      : { valid: false, data: undefined, errorMessage: ajv.errorsText(validate.errors, { dataVar }) };
}

/** For the SDK client (`jsonSchemaValidator`), which checks tools' structured output against their output schema. */
export const dialectAwareValidator = {
  getValidator: <T>(schema: object) => compileSchema<T>(schema as Record<string, unknown>, 'structuredContent'),
};
