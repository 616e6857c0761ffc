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
    if (byte === JsonByte.Quote) {
      i = closingQuote(text, i);
      if (i < 0) {
        return;
      }
    } else if (byte === JsonByte.OpenArray || byte === JsonByte.OpenObject) {
      if (++depth > limits.maxDepth) {
        throw new JsonShapeError(
          `The JSON body nests arrays and objects more than ${limits.maxDepth} levels deep.`,
          'json_too_deep',
        );
      }
      // The first item of a container has no comma before it.
      const next = text[skipWhitespace(text, i + 1)];
      if (next !== JsonByte.CloseArray && next !== JsonByte.CloseObject && next !== undefined) {
        items++;
      }
    } else if (byte === JsonByte.CloseArray || byte === JsonByte.CloseObject) {
      depth--;
    } else if (byte === JsonByte.Comma) {
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
    at = text.indexOf(JsonByte.Quote, at + 1);
    if (at < 0) {
      return -1;
    }
    let backslashes = 0;
    while (text[at - 1 - backslashes] === JsonByte.Backslash) {
      backslashes++;
    }
    if (backslashes % 2 === 0) {
      return at;
    }
  }
}

/** The index of the first byte from `from` (before `end`) that is not JSON whitespace, or `end`. */
export function skipWhitespace(text: Buffer, from: number, end = text.length): number {
  let i = from;
  // JSON's whitespace: space, tab, line feed, carriage return.
  while (i < end && (text[i] === 0x20 || text[i] === 0x09 || text[i] === 0x0a || text[i] === 0x0d)) {
    i++;
  }
  return i;
}
