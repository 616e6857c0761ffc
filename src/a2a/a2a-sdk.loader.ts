import type * as A2aSdk from '@a2a-js/sdk';

let sdk: typeof A2aSdk | undefined;

/**
 * The A2A SDK's root (its wire types and SSE framing), required on first use. Like the door's handlers, which
 * `A2aService` requires on the first A2A request or agent card, it is not loaded by a server nobody asks over A2A;
 * only `@a2a-js/sdk/errors`, a few constants, is imported eagerly.
 */
export function loadA2aSdk(): typeof A2aSdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  sdk ??= require('@a2a-js/sdk') as typeof A2aSdk;
  return sdk;
}
