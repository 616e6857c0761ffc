import type { NextFunction, Request, Response } from 'express';
import { checkJsonShape, JsonByte, skipWhitespace } from './json-shape';
import { parseJsonInSlices, SLICE_BYTES } from './json-slices';

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Express middleware after body-parser's `raw` reader for `application/json` (the size limit, Content-Encoding): turns
 * the body's bytes into `req.body` as body-parser's JSON parser does (any `utf-*` charset, strict: an object or an
 * array, an empty body is `{}`), with two differences. The shape is bounded on the bytes first (json-shape.ts). And a
 * body over SLICE_BYTES is parsed in slices, an event-loop turn each (json-slices.ts): parsed at once, 10 MB held
 * every other request for up to ~100 ms (BENCHMARKS.md). Its failures carry body-parser's `status` and `type`, so they
 * are answered as the same errors (error-response.ts).
 */
export function parseJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const raw: unknown = req.body;
  if (!Buffer.isBuffer(raw)) {
    next();
    return;
  }
  let bytes: Buffer;
  try {
    bytes = toUtf8(raw, charsetOf(req.headers['content-type']));
    checkJsonShape(bytes);
    if (bytes.length === 0) {
      req.body = {};
      next();
      return;
    }
    assertContainer(bytes);
    if (bytes.length <= SLICE_BYTES) {
      req.body = parseOrFail(bytes);
      next();
      return;
    }
  } catch (error) {
    next(error);
    return;
  }
  parseJsonInSlices(bytes).then(
    (body) => {
      req.body = body;
      next();
    },
    (error: unknown) => next(parseFailure(error)),
  );
}

function charsetOf(contentType: string | undefined): string {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '');
  return match ? match[1].toLowerCase() : 'utf-8';
}

/** The body as UTF-8 without a byte-order mark; UTF-16 is re-encoded, a charset outside `utf-*` is a 415. */
function toUtf8(body: Buffer, charset: string): Buffer {
  if (charset === 'utf-8' || charset === 'utf8') {
    return UTF8_BOM.every((byte, i) => body[i] === byte) ? body.subarray(UTF8_BOM.length) : body;
  }
  let decoded: string | undefined;
  try {
    decoded = charset.startsWith('utf-') ? new TextDecoder(charset).decode(body) : undefined;
  } catch {
    // UTF-32: no JSON client sends it, and the platform cannot decode it.
  }
  if (decoded === undefined) {
    throw Object.assign(new Error(`unsupported charset "${charset.toUpperCase()}"`), {
      status: 415,
      type: 'charset.unsupported',
    });
  }
  return Buffer.from(decoded, 'utf8');
}

/** body-parser's `strict`: a JSON body is an object or an array, not a bare string or number. */
function assertContainer(bytes: Buffer): void {
  const first = bytes[skipWhitespace(bytes, 0)];
  if (first !== JsonByte.OpenObject && first !== JsonByte.OpenArray) {
    throw new JsonParseError('A JSON body must be an object or an array (it must begin with { or [).');
  }
}

function parseOrFail(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw parseFailure(error);
  }
}

/**
 * Malformed JSON, as body-parser types it. Not a SyntaxError: Nest's router turns those into a bare 400 with the
 * message alone, before our filter could answer with its `invalid_json` code.
 */
export class JsonParseError extends Error {
  readonly status = 400;
  readonly type = 'entity.parse.failed';
}

function parseFailure(error: unknown): JsonParseError {
  return new JsonParseError(error instanceof Error ? error.message : String(error));
}
