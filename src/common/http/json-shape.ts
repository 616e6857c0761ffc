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

/** The bytes of JSON's structure. */
export const JsonByte = {
  Quote: 0x22,
  Backslash: 0x5c,
  OpenArray: 0x5b,
  CloseArray: 0x5d,
  OpenObject: 0x7b,
  CloseObject: 0x7d,
  Comma: 0x2c,
  Colon: 0x3a,
} as const;
const { Quote: QUOTE, Backslash: BACKSLASH, OpenArray: OPEN_ARRAY, CloseArray: CLOSE_ARRAY } = JsonByte;
const { OpenObject: OPEN_OBJECT, CloseObject: CLOSE_OBJECT, Comma: COMMA } = JsonByte;

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
export function closingQuote(text: Buffer, open: number): number {
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
