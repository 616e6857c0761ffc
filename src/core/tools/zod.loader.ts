import type * as Zod from 'zod';

let zod: typeof Zod.z | undefined;

/**
 * zod, required when a tool or an MCP configuration first needs it: a server whose tools (if any) are JSON Schema
 * tools never loads it. A caller that wrote a zod schema has loaded zod already.
 */
export function loadZod(): typeof Zod.z {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  zod ??= (require('zod') as typeof Zod).z;
  return zod;
}
