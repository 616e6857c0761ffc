import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * `bytes` cryptographically random bytes as base64url, taken from a pool refilled in one call every few hundred ids:
 * `randomBytes()` per id is an allocation and a call into OpenSSL each, measurable on a proxied request (BENCHMARKS.md).
 */
export function randomId(bytes: number): string {
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + bytes);
  offset += bytes;
  return id;
}

/**
 * A fresh, unguessable tool call id. The agent gives its own ids to the calls of a tool turn because those ids key
 * the stored turns (`ToolTurnStore`): a backend's predictable ids (`call_0`) would let one conversation pick up
 * another's stored tool results.
 */
export function newToolCallId(): string {
  return `call_${randomId(12)}`;
}
