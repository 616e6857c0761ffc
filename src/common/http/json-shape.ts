/** How deep and how big a JSON body may be (docs/limits.md). */
export interface JsonShapeLimits {
  /** Nesting of arrays and objects; the body itself is level 1. */
  maxDepth: number;
  /** Array items and object members in the whole body. */
  maxItems: number;
}

export const JSON_SHAPE_LIMITS: JsonShapeLimits = { maxDepth: 64, maxItems: 100_000 };

/** A body refused for its shape, before it is parsed: body-parser passes its status and type on (http-errors). */
export class JsonShapeError extends Error {
  readonly status = 400;
  readonly type = 'entity.shape.invalid';

  constructor(
    message: string,
    /** The error code the client sees. */
    readonly code: 'json_too_deep' | 'json_too_many_items',
  ) {
    super(message);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/**
 * Measures a JSON text on its bytes, before JSON.parse: parsing, Nest's prototype-key stripping, the transformation to
 * DTO classes and the validation all walk every value, several of them recursively, so a body nested ~1,300 deep
 * overflowed the stack (a 500) and one of a few million tiny values held the event loop for seconds. One pass over
 * the bytes, strings skipped with a native search, costs a few milliseconds for the largest body. Not a validator:
 * malformed JSON passes through to JSON.parse, which reports it.
 */
export function checkJsonShape(text: Buffer, limits: JsonShapeLimits = JSON_SHAPE_LIMITS): void {
  let depth = 0;
  let items = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const byte = text[i];
    if (byte === QUOTE) {
      i = closingQuote(text, i);
      if (i < 0) {
        return;
      }
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limits.maxDepth) {
        throw new JsonShapeError(
          `The JSON body nests arrays and objects more than ${limits.maxDepth} levels deep.`,
          'json_too_deep',
        );
      }
      // The first item of a container has no comma before it.
      const next = nextSignificant(text, i + 1);
      if (next !== CLOSE_ARRAY && next !== CLOSE_OBJECT && next !== -1) {
        items++;
      }
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    } else if (byte === COMMA) {
      items++;
    } else {
      continue;
    }
    if (items > limits.maxItems) {
      throw new JsonShapeError(
        `The JSON body holds more than ${limits.maxItems} array items and object members.`,
        'json_too_many_items',
      );
    }
  }
}

/** The index of the quote that ends the string opened at `open`, or -1 when it never ends. */
function closingQuote(text: Buffer, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf(QUOTE, at + 1);
    if (at < 0) {
      return -1;
    }
    let backslashes = 0;
    while (text[at - 1 - backslashes] === BACKSLASH) {
      backslashes++;
    }
    if (backslashes % 2 === 0) {
      return at;
    }
  }
}

function nextSignificant(text: Buffer, from: number): number {
  for (let i = from; i < text.length; i++) {
    const byte = text[i];
    // JSON's whitespace: space, tab, line feed, carriage return.
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) {
      return byte;
    }
  }
  return -1;
}

/**
 * body-parser's `verify` hook: the shape is checked on the raw bytes, before they are decoded and parsed. A body in
 * UTF-16 (body-parser accepts any `utf-*` charset for JSON) is measured once re-encoded; UTF-32, which no JSON client
 * sends and the platform cannot decode, is refused as an unsupported charset.
 */
export function verifyJsonShape(req: object | null, _res: unknown, body: Buffer, encoding: string | null): void {
  if (req && body.length > LARGE_BODY_BYTES) {
    largeBodies.add(req);
  }
  const charset = (encoding ?? 'utf-8').toLowerCase();
  if (charset === 'utf-8' || charset === 'utf8') {
    checkJsonShape(body);
    return;
  }
  let decoded: string;
  try {
    decoded = new TextDecoder(charset).decode(body);
  } catch {
    throw Object.assign(new Error(`unsupported charset "${charset.toUpperCase()}"`), {
      status: 415,
      type: 'charset.unsupported',
    });
  }
  checkJsonShape(Buffer.from(decoded, 'utf8'));
}

/** Past this size, parsing a body costs the event loop tens of milliseconds (JSON.parse of 10 MB: 20 to 60 ms). */
const LARGE_BODY_BYTES = 1_000_000;
const largeBodies = new WeakSet<object>();

/**
 * Express middleware, after the body parser: a large body's request continues in the next turn of the event loop, so
 * reading and parsing it and what comes next (validation) are not one long block that every other request waits for.
 */
export function yieldAfterLargeBody(req: object, _res: unknown, next: () => void): void {
  if (largeBodies.has(req)) {
    setImmediate(next);
  } else {
    next();
  }
}
