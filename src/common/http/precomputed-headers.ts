import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs a middleware that only sets and removes fixed headers (helmet with static directives) once, at start, and
 * returns one that applies the same headers to every response. Helmet's eleven chained middlewares showed in the
 * profile of every proxied request (BENCHMARKS.md); the headers they set never change between requests.
 *
 * Refuses a middleware whose headers depend on the request (it calls `next` late, reads `req`, or fails), as a
 * precomputed copy of it would be wrong.
 */
export function precomputeHeaders(middleware: RequestHandler): RequestHandler {
  const set: Array<[string, string | number | readonly string[]]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      set.push([name, value]);
      return recorder;
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  const request = new Proxy(
    {},
    {
      get(_target, property) {
        throw new Error(`precomputeHeaders: the middleware reads req.${String(property)}; it cannot be precomputed`);
      },
    },
  );
  let calledNext = false;
  let failure: unknown;
  void middleware(request as Request, recorder as unknown as Response, (error?: unknown) => {
    calledNext = true;
    failure = error;
  });
  if (!calledNext || failure !== undefined) {
    throw new Error('precomputeHeaders: the middleware did not call next() at once without an error', {
      cause: failure,
    });
  }
  return (_req: Request, res: Response, next: NextFunction) => {
    for (const name of removed) {
      res.removeHeader(name);
    }
    for (const [name, value] of set) {
      res.setHeader(name, value);
    }
    next();
  };
}
