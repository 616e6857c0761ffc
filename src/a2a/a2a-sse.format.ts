import { A2A_ERROR_CODE } from '@a2a-js/sdk/errors';
import type { SseFormat } from '../common/sse/sse-format';
import { loadA2aSdk } from './a2a-sdk.loader';

export type RpcId = string | number | null;

export interface JsonRpcErrorEnvelope {
  jsonrpc: '2.0';
  id: RpcId;
  error: { code: number; message: string; data?: unknown };
}

/** One frame of an A2A stream: a JSON-RPC response envelope, or the one error that ends the stream. */
export interface SseItem {
  envelope: unknown;
  error?: boolean;
}

/**
 * A2A's SSE framing, as the SDK writes and reads it: each JSON-RPC response a `data:` frame, a failure an
 * `event: error` frame holding a JSON-RPC error, no end marker (the stream ends after the final status).
 */
export const a2aSse: SseFormat = {
  frame: (event) => {
    const item = event as SseItem;
    const { formatSSEErrorEvent, formatSSEEvent } = loadA2aSdk();
    return item.error ? formatSSEErrorEvent(item.envelope) : formatSSEEvent(item.envelope);
  },
  errorFrame: (response) =>
    loadA2aSdk().formatSSEErrorEvent({
      jsonrpc: '2.0',
      id: null,
      error: { code: A2A_ERROR_CODE.INTERNAL_ERROR, message: response.body.error.message },
    } satisfies JsonRpcErrorEnvelope),
};

/** The id of a JSON-RPC request, to answer it with (null when it has none, or is not one). */
export function rpcIdOf(body: unknown): RpcId {
  const id =
    typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
