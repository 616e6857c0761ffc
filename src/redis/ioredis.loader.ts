import type * as IoRedis from 'ioredis';

let ioredis: typeof IoRedis | undefined;

/** ioredis, required on first use: a replica without `REDIS_URL` never loads it. */
export function loadIoredis(): typeof IoRedis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ioredis ??= require('ioredis') as typeof IoRedis;
  return ioredis;
}
