import { type BaseEvent, EventType } from '@ag-ui/core';
import { AGUI_MEDIA_TYPE, EventEncoder } from '@ag-ui/encoder';
import type { ErrorResponse } from '../common/errors/error-response';
import type { SseFormat } from '../common/sse/sse-format';

/**
 * AG-UI's framing from its own encoder: SSE `data:` frames, or length-prefixed protobuf when the client's `Accept`
 * prefers `application/vnd.ag-ui.event+proto`. A failure is a RUN_ERROR event; there is no end marker.
 */
export function agUiStreamFormat(accept: string | undefined): SseFormat {
  // Only a client that names the protobuf type gets it: the encoder alone would also pick it for `*/*`, which curl,
  // fetch and most HTTP clients send by default.
  const encoder = new EventEncoder({ accept: accept?.includes(AGUI_MEDIA_TYPE) ? accept : 'text/event-stream' });
  const binary = encoder.getContentType() === AGUI_MEDIA_TYPE;
  const frame = (event: unknown): string | Uint8Array =>
    binary ? encoder.encodeBinary(event as BaseEvent) : encoder.encodeSSE(event as BaseEvent);
  return {
    frame,
    errorFrame: (response: ErrorResponse) => {
      const { message, code, type } = response.body.error;
      const runError = { type: EventType.RUN_ERROR, message, code: code ?? type } as BaseEvent;
      return frame(runError);
    },
    ...(binary ? { binary: { contentType: AGUI_MEDIA_TYPE } } : {}),
  };
}
