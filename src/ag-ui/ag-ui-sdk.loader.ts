import type * as Schemas from '@ag-ui/core/schemas';
import type * as Encoder from '@ag-ui/encoder';

let schemas: typeof Schemas | undefined;
let encoder: typeof Encoder | undefined;

/*
 * The heavy parts of the AG-UI packages, required on first use: their zod schemas on the first run, the encoder
 * (and the protobuf under it) on the first client that asks for protobuf. `@ag-ui/core` itself is light.
 */

/** `@ag-ui/core`'s zod schemas, on the first AG-UI run. */
export function loadAgUiSchemas(): typeof Schemas {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  schemas ??= require('@ag-ui/core/schemas') as typeof Schemas;
  return schemas;
}

/** `@ag-ui/encoder`, on the first client that names AG-UI's protobuf media type. */
export function loadAgUiEncoder(): typeof Encoder {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  encoder ??= require('@ag-ui/encoder') as typeof Encoder;
  return encoder;
}
