import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface OpenApiVerdict {
  valid: boolean;
  /** The OpenAPI version the validator read the document as (e.g. `3.0`). */
  version: string;
  errors?: unknown;
}

/**
 * Validates a document against the official OpenAPI 3.x JSON Schemas with `@seriousme/openapi-schema-validator`.
 * The package is ESM-only and Jest runs our tests as CommonJS, so it runs in a child Node process.
 */
export function validateOpenApi(document: unknown): OpenApiVerdict {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(input));
    process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: join(__dirname, '..', '..'),
    input: JSON.stringify(document),
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    throw new Error(`the OpenAPI validator failed to run:\n${run.stderr}`);
  }
  return JSON.parse(run.stdout) as OpenApiVerdict;
}
