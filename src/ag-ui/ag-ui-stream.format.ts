import { type BaseEvent, EventType, omitOptionalNulls } from '@ag-ui/core';
import type { ErrorResponse } from '../common/errors/error-response';
import type { SseFormat } from '../common/sse/sse-format';
import { loadAgUiEncoder } from './ag-ui-sdk.loader';

/** `@ag-ui/encoder`'s AGUI_MEDIA_TYPE, known before the encoder is loaded (the spec checks they agree). */
export const AGUI_PROTO_MEDIA_TYPE = 'application/vnd.ag-ui.event+proto';

/**
 * AG-UI's framing: SSE `data:` frames, or length-prefixed protobuf from AG-UI's own encoder when the client's
 * `Accept` prefers `application/vnd.ag-ui.event+proto`. A failure is a RUN_ERROR event; there is no end marker.
 */
export function agUiStreamFormat(accept: string | undefined): SseFormat {
  // Only a client that names the protobuf type gets it: the encoder alone would also pick it for `*/*`, which curl,
  // fetch and most HTTP clients send by default. Any other client gets SSE, which needs no encoder (nor protobuf).
  const frame = accept?.includes(AGUI_PROTO_MEDIA_TYPE) ? negotiatedFrame(accept) : sseFrame;
  return {
    frame,
    errorFrame: (response: ErrorResponse) => {
      const { message, code, type } = response.body.error;
      const runError = { type: EventType.RUN_ERROR, message, code: code ?? type } as BaseEvent;
      return frame(runError);
    },
    ...(frame === sseFrame ? {} : { binary: { contentType: AGUI_PROTO_MEDIA_TYPE } }),
  };
}

/** As `EventEncoder.encodeSSE` writes an event. */
function sseFrame(event: unknown): string {
  return `data: ${JSON.stringify(omitOptionalNulls(event as BaseEvent, 'Event'))}\n\n`;
}

/** The encoder's own choice for an `Accept` naming protobuf: protobuf frames, or SSE when it ranks protobuf out. */
function negotiatedFrame(accept: string): (event: unknown) => string | Uint8Array {
  const { AGUI_MEDIA_TYPE, EventEncoder } = loadAgUiEncoder();
  const encoder = new EventEncoder({ accept });
  if (encoder.getContentType() !== AGUI_MEDIA_TYPE) {
    return sseFrame;
  }
  return (event) => encoder.encodeBinary(event as BaseEvent);
}
