import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../../core/errors';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The `/v1` routes read JSON only, and the body parser leaves any other body unread, so a form-encoded body (`curl -d`
 * without `-H 'Content-Type: application/json'`) would reach validation as `{}` and be told "messages must be an
 * array". Answer with the real cause instead.
 */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  // No body at all (`req.is()` is null, or an empty one): validation then names the missing fields.
  const empty = req.headers['content-length'] === '0' || req.is('application/json') === null;
  if (!BODY_METHODS.has(req.method) || !req.path.startsWith('/v1/') || empty || req.is('application/json')) {
    next();
    return;
  }
  const type = req.headers['content-type'];
  const got = type ? `'${type.split(';')[0].trim()}'` : 'no content-type';
  next(
    new ApiError(415, `Unsupported content-type: the body must be JSON sent as 'application/json' (got ${got}).`, {
      type: 'invalid_request_error',
      param: 'content-type',
      code: 'unsupported_media_type',
    }),
  );
}
