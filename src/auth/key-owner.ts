import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { requestContextOf } from '../request-context/request-context';

/**
 * Who owns the conversations this request creates or reads (Responses API, MCP): the SHA-256 of its API key when API
 * keys are on (the guard then accepted the key and named the principal after it), nobody when the API is open. The
 * key itself is never kept.
 */
export function keyOwner(req: Request): string | undefined {
  if (!requestContextOf(req)?.principal?.startsWith('key:')) {
    return undefined;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match ? createHash('sha256').update(match[1], 'utf8').digest('hex') : undefined;
}
