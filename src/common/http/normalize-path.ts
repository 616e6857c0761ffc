import type { NextFunction, Request, Response } from 'express';

/**
 * Clients join a base URL with a trailing slash to `/models` and ask for `/v1//models` (open-webui#12117); others
 * add a trailing slash. Both must reach the route, so the path is normalized before routing.
 */
export function normalizePath(req: Request, _res: Response, next: NextFunction): void {
  const queryAt = req.url.indexOf('?');
  const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
  let normalized = path.replace(/\/{2,}/g, '/');
  if (normalized.length > 1 && normalized.endsWith('/')) {
    normalized = normalized.replace(/\/+$/, '') || '/';
  }
  if (normalized !== path) {
    req.url = normalized + (queryAt === -1 ? '' : req.url.slice(queryAt));
  }
  next();
}
