import type { Response } from 'express';
import { clientGone } from '../http/client-gone';
import type { Observable, Subscription } from 'rxjs';
import { toErrorResponse } from '../errors/error-response';
import { chatCompletionsSse, type SseFormat } from './sse-format';

export interface PipeSseOptions {
  /** How the protocol frames its events; default: OpenAI Chat Completions. */
  format?: SseFormat;
  /**
   * After this long without a frame, a comment line (`: keep-alive`) goes out, which every SSE client ignores:
   * proxies and clients drop streams that stay silent too long (e.g. while an agent runs its tools). Default 0: off.
   */
  keepAliveMs?: number;
  /** Called for errors that are not the client's or ours to show (logged with stack by the caller). */
  onUnexpectedError?: (error: unknown) => void;
}

/**
 * Writes an Observable of events to `res` as Server-Sent Events, framed by the protocol's `SseFormat`.
 *
 * - Headers are committed with the first event, so a failure before it (bad upstream, unknown model) is still a
 *   plain HTTP error with a real status, not a 200 with an error inside (clawrouter#101).
 * - After a successful completion: the format's end marker. After a mid-stream error: its one error frame and the
 *   end, never the end marker.
 * - While the stream is silent, a keep-alive comment every `keepAliveMs`.
 * - Backpressure: each write waits for `drain` when the socket buffer is full.
 * - Teardown on `res` 'close' (not `req` 'close', which fires once the body is read: nest#17098), which
 *   unsubscribes and so aborts the work behind the stream.
 */
export function pipeSse(res: Response, events$: Observable<unknown>, options: PipeSseOptions = {}): Promise<void> {
  const format = options.format ?? chatCompletionsSse;
  const keepAliveMs = options.keepAliveMs ?? 0;
  return new Promise<void>((resolve) => {
    let finished = false;
    let keepAlive: NodeJS.Timeout | undefined;

    const finish = () => {
      if (finished) {
        return;
      }
      finished = true;
      clearTimeout(keepAlive);
      res.off('close', onClose);
      subscription?.unsubscribe();
      resolve();
    };
    const onClose = () => finish();
    res.on('close', onClose);

    const startStream = () => {
      if (res.headersSent) {
        return;
      }
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        // Tells nginx and similar proxies not to buffer the stream.
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      if (keepAliveMs > 0) {
        // write() re-arms the timer (refresh() also re-arms one that has fired).
        keepAlive = setTimeout(() => write(': keep-alive\n\n'), keepAliveMs);
      }
    };

    // Frames go straight to the socket; only while it drains are they held, in order (no promise per frame).
    let held: string[] | undefined;
    let endWhenDrained = false;
    const write = (frame: string): void => {
      if (held) {
        held.push(frame);
        return;
      }
      if (finished || res.writableEnded || res.destroyed) {
        return;
      }
      // One timer per stream, re-armed by each frame: silence, not time, triggers the comment.
      keepAlive?.refresh();
      if (!res.write(frame)) {
        held = [];
        const onDrainOrClose = () => {
          res.off('drain', onDrainOrClose);
          res.off('close', onDrainOrClose);
          const frames = held ?? [];
          held = undefined;
          frames.forEach(write);
          if (endWhenDrained && !held) {
            endNow();
          }
        };
        res.on('drain', onDrainOrClose);
        res.on('close', onDrainOrClose);
      }
    };

    const endNow = () => {
      if (!res.writableEnded) {
        res.end();
      }
      finish();
    };
    const end = () => {
      if (held) {
        endWhenDrained = true;
      } else {
        endNow();
      }
    };

    let subscription: Subscription | undefined = undefined;
    if (clientGone(res)) {
      // Gone before the stream began (its 'close' came while the body was being read): nothing to run it for.
      finish();
      return;
    }
    subscription = events$.subscribe({
      next: (event) => {
        const first = !res.headersSent;
        startStream();
        write(format.frame(event));
        if (first && res.socket?.writableCorked) {
          // Node holds a response's writes until the next tick, so a burst of chunks from one upstream read would
          // leave together, the first one only when the last is framed. The headers and the first chunk go now.
          res.socket.uncork();
        }
      },
      error: (error: unknown) => {
        const response = toErrorResponse(error);
        if (response.unexpected) {
          options.onUnexpectedError?.(error);
        }
        if (!res.headersSent) {
          res.status(response.status).set(response.headers).json(response.body);
          finish();
          return;
        }
        write(format.errorFrame(response));
        end();
      },
      complete: () => {
        startStream();
        if (format.done) {
          write(format.done);
        }
        end();
      },
    });
    if (finished) {
      subscription.unsubscribe();
    }
  });
}
