import type { ErrorResponse } from '../errors/error-response';

/**
 * How one protocol frames its events as Server-Sent Events. The writer (`pipeSse`) owns the transport; a protocol
 * only says what a frame, its one error frame and its end marker look like.
 */
export interface SseFormat {
  /** One event, framed (ending in a blank line); bytes for a binary stream format. */
  frame(event: unknown): string | Uint8Array;
  /** The one frame for an error after the stream started; the stream then ends without `done`. */
  errorFrame(response: ErrorResponse): string | Uint8Array;
  /** Written after a successful completion, if the protocol has an end marker. */
  done?: string;
  /**
   * A binary stream (AG-UI's protobuf form) instead of SSE: its own content type, and no keep-alive comments, which
   * would corrupt its framing.
   */
  binary?: { contentType: string };
}

/**
 * OpenAI Chat Completions: `data:` frames, an error as `data: {"error": ...}`, `data: [DONE]` after a successful
 * completion only, so clients cannot mistake a broken reply for a finished one.
 */
export const chatCompletionsSse: SseFormat = {
  frame: (event) => `data: ${JSON.stringify(event)}\n\n`,
  errorFrame: (response) => `data: ${JSON.stringify(response.body)}\n\n`,
  done: 'data: [DONE]\n\n',
};

/** Named events whose `event:` line equals the payload's `type` (the Responses API, AG-UI). */
export function typedEventFrame(event: unknown): string {
  const type = (event as { type?: unknown }).type;
  return typeof type === 'string'
    ? `event: ${type}\ndata: ${JSON.stringify(event)}\n\n`
    : `data: ${JSON.stringify(event)}\n\n`;
}
