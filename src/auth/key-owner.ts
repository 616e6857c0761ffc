import type { Request } from 'express';
import { requestContextOf } from '../request-context/request-context';

/**
 * Who owns the conversations this request creates or reads (Responses API, MCP, A2A): the SHA-256 of its API key when
 * API keys are on (as the guard computed it when it accepted the key), nobody when the API is open. The key itself is
 * never kept.
 */
export function keyOwner(req: Request): string | undefined {
  return requestContextOf(req)?.keyDigest;
}
