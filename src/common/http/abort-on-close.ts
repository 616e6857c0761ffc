import type { Response } from 'express';
import { clientGone } from './client-gone';

/**
 * A signal that aborts when the client goes away before we answered. It listens on `res` 'close', which fires when
 * the socket closes; `req` 'close' also fires once the body has been read and would abort every request (nest#17098).
 */
export function abortOnClose(res: Response): AbortSignal {
  const controller = new AbortController();
  if (clientGone(res)) {
    controller.abort();
    return controller.signal;
  }
  res.once('close', () => {
    if (!res.writableFinished) {
      controller.abort();
    }
  });
  return controller.signal;
}
