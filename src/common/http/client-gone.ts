import type { Response } from 'express';

/**
 * The client's connection closed before our reply was complete. A request can reach its handler after that: a large
 * body is parsed and validated over several turns of the event loop (json-shape.ts, FastValidationPipe), and a
 * 'close' event that fired in between is not fired again for a listener added later.
 */
export function clientGone(res: Response): boolean {
  return !res.writableFinished && (res.destroyed || res.socket?.destroyed === true);
}
