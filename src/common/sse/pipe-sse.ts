import type { Response } from 'express';
import type { Observable, Subscription } from 'rxjs';
import { sendError, toErrorResponse } from '../errors/error-response';
import { clientGone } from '../http/client-gone';
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
 * Writes an Observable of events to `res` as Server-Sent Events, framed by the protocol's `SseFormat`; resolves when
 * the stream ended or the client left.
 *
 * - Headers are committed with the first event, so a failure before it (bad upstream, unknown model) is still a
 *   plain HTTP error with a real status, not a 200 with an error inside (clawrouter#101).
 * - After a successful completion: the format's end marker. After a mid-stream error: its one error frame and the
 *   end, never the end marker.
 * - While the stream is silent, a keep-alive comment every `keepAliveMs`.
 * - Text frames made in one turn of the event loop (a burst of chunks from one upstream read) leave in one write at
 *   its end: one HTTP chunk and one system call, not one per frame. The first frame goes at once.
 * - Backpressure: frames are held while the socket drains.
 * - Teardown on `res` 'close' (not `req` 'close', which fires once the body is read: nest#17098), which
 *   unsubscribes and so aborts the work behind the stream.
 */
export function pipeSse(res: Response, events$: Observable<unknown>, options: PipeSseOptions = {}): Promise<void> {
  return new Promise<void>((resolve) => new SseStream(res, options, resolve).pipe(events$));
}

class SseStream {
  private readonly format: SseFormat;
  private finished = false;
  private subscription?: Subscription;
  private keepAlive?: NodeJS.Timeout;
  /** Frames written while the socket drains, in order (no promise per frame); undefined when it flows. */
  private held?: Array<string | Uint8Array>;
  private endWhenDrained = false;
  /** Text frames of this turn of the event loop, written together by `flushBatch` at its end. */
  private batch = '';
  private batchFlush?: NodeJS.Immediate;

  constructor(
    private readonly res: Response,
    private readonly options: PipeSseOptions,
    private readonly resolve: () => void,
  ) {
    this.format = options.format ?? chatCompletionsSse;
    res.on('close', this.finish);
  }

  pipe(events$: Observable<unknown>): void {
    if (clientGone(this.res)) {
      // Gone before the stream began (its 'close' came while the body was being read): nothing to run it for.
      this.finish();
      return;
    }
    this.subscription = events$.subscribe({
      next: (event) => this.next(event),
      error: (error: unknown) => this.fail(error),
      complete: () => {
        this.start();
        if (this.format.done) {
          this.write(this.format.done);
        }
        this.end();
      },
    });
    if (this.finished) {
      this.subscription.unsubscribe();
    }
  }

  private next(event: unknown): void {
    const first = !this.res.headersSent;
    this.start();
    this.write(this.format.frame(event));
    if (first) {
      this.flushBatch();
    }
    if (first && this.res.socket?.writableCorked) {
      // Node holds a response's writes until the next tick, so a burst of chunks from one upstream read would leave
      // together, the first one only when the last is framed. The headers and the first chunk go now.
      this.res.socket.uncork();
    }
  }

  private fail(error: unknown): void {
    const response = toErrorResponse(error);
    if (response.unexpected) {
      this.options.onUnexpectedError?.(error);
    }
    if (!this.res.headersSent) {
      sendError(this.res, response);
      this.finish();
      return;
    }
    this.write(this.format.errorFrame(response));
    this.end();
  }

  private start(): void {
    if (this.res.headersSent) {
      return;
    }
    this.res.writeHead(200, {
      'Content-Type': this.format.binary?.contentType ?? 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Tells nginx and similar proxies not to buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    this.res.flushHeaders();
    const keepAliveMs = this.options.keepAliveMs ?? 0;
    // A binary stream format has no comment lines: a keep-alive would corrupt its framing.
    if (keepAliveMs > 0 && !this.format.binary) {
      // One timer per stream, re-armed by every frame (refresh() re-arms one that has fired too): silence, not
      // time, triggers the comment.
      this.keepAlive = setTimeout(() => this.write(': keep-alive\n\n'), keepAliveMs);
    }
  }

  private write(frame: string | Uint8Array): void {
    if (this.held) {
      this.held.push(frame);
      return;
    }
    if (this.finished || this.res.writableEnded || this.res.destroyed) {
      return;
    }
    this.keepAlive?.refresh();
    if (typeof frame === 'string') {
      this.batch += frame;
      this.batchFlush ??= setImmediate(this.flushBatch);
      return;
    }
    this.flushBatch();
    this.send(frame);
  }

  private readonly flushBatch = (): void => {
    clearImmediate(this.batchFlush);
    this.batchFlush = undefined;
    const text = this.batch;
    this.batch = '';
    if (text) {
      this.send(text);
    }
  };

  private send(data: string | Uint8Array): void {
    if (this.held) {
      this.held.push(data);
      return;
    }
    if (this.finished || this.res.writableEnded || this.res.destroyed) {
      return;
    }
    if (!this.res.write(data)) {
      this.held = [];
      this.res.on('drain', this.flushHeld);
      this.res.on('close', this.flushHeld);
    }
  }

  private readonly flushHeld = (): void => {
    this.res.off('drain', this.flushHeld);
    this.res.off('close', this.flushHeld);
    const frames = this.held ?? [];
    this.held = undefined;
    frames.forEach((frame) => this.write(frame));
    if (this.endWhenDrained && !this.held) {
      this.endNow();
    }
  };

  private end(): void {
    if (this.held) {
      this.endWhenDrained = true;
    } else {
      this.endNow();
    }
  }

  private endNow(): void {
    this.flushBatch();
    if (this.held) {
      // The last frames filled the socket: the end waits for them.
      this.endWhenDrained = true;
      return;
    }
    if (!this.res.writableEnded) {
      this.res.end();
    }
    this.finish();
  }

  private readonly finish = (): void => {
    if (this.finished) {
      return;
    }
    this.finished = true;
    clearTimeout(this.keepAlive);
    clearImmediate(this.batchFlush);
    this.res.off('close', this.finish);
    this.subscription?.unsubscribe();
    this.resolve();
  };
}
