import { yieldToIo } from '../../core/yield-to-io';
import { closingQuote, JsonByte, skipWhitespace } from './json-shape';

/** A body over this many bytes is parsed a slice at a time, each in an event-loop turn of its own (docs/limits.md). */
export const SLICE_BYTES = 1 << 20;

/** The text is not JSON the slices can follow: the whole text is parsed at once instead, which reports why. */
class NotSliceable extends Error {}

/**
 * Parses a large JSON text without holding the event loop for the whole of it: JSON.parse of 10 MB of small objects
 * costs tens of milliseconds, and the garbage collection of what it builds as much again, in one block that every
 * other request waited for. The top-level container is split at its own commas into runs of items of about
 * SLICE_BYTES, each parsed alone (wrapped in the container's brackets) and merged in order; an item larger than a
 * slice is split the same way, one level down. Each run is an exact substring of the text, so when every run parses
 * the whole is valid JSON, with JSON.parse's meaning (the last of duplicate keys wins, `__proto__` is a plain key).
 * Anything unexpected (malformed JSON included) falls back to one JSON.parse of the whole text: the result, or the
 * error, is then exactly JSON.parse's.
 */
export async function parseJsonInSlices(bytes: Buffer, sliceBytes = SLICE_BYTES): Promise<unknown> {
  try {
    const open = skipWhitespace(bytes, 0, bytes.length);
    if (bytes[open] !== JsonByte.OpenObject && bytes[open] !== JsonByte.OpenArray) {
      throw new NotSliceable();
    }
    const { value, close } = await parseContainer(bytes, open, sliceBytes);
    if (skipWhitespace(bytes, close + 1, bytes.length) !== bytes.length) {
      throw new NotSliceable();
    }
    return value;
  } catch {
    return JSON.parse(bytes.toString('utf8'));
  }
}

async function parseContainer(
  bytes: Buffer,
  open: number,
  sliceBytes: number,
): Promise<{ value: unknown; close: number }> {
  const isObject = bytes[open] === JsonByte.OpenObject;
  const { bounds, close } = itemBounds(bytes, open, isObject);
  const value: unknown[] | Record<string, unknown> = isObject ? {} : [];
  const count = bounds.length - 1;
  // The run of items waiting to be parsed as one slice starts at item `first`.
  let first = 0;
  for (let item = 0; item < count; item++) {
    const large = bounds[item + 1] - bounds[item] > sliceBytes;
    if (item > first && (large || bounds[item + 1] - bounds[first] > sliceBytes)) {
      merge(value, parseSlice(bytes, bounds, first, item - 1, isObject));
      await yieldToIo();
      first = item;
    }
    if (large) {
      await parseLargeItem(bytes, bounds[item] + 1, bounds[item + 1], value, sliceBytes);
      first = item + 1;
    }
  }
  if (count > first) {
    merge(value, parseSlice(bytes, bounds, first, count - 1, isObject));
    await yieldToIo();
  }
  return { value, close };
}

/**
 * Where the items of the container opened at `open` lie: item i spans `bounds[i] + 1` to `bounds[i + 1]` (the
 * container's own brackets and its top-level commas), and where the container closes.
 */
function itemBounds(bytes: Buffer, open: number, isObject: boolean): { bounds: number[]; close: number } {
  const bounds = [open];
  let depth = 0;
  for (let i = open + 1; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === JsonByte.Quote) {
      i = closingQuote(bytes, i);
      if (i < 0) {
        break;
      }
    } else if (byte === JsonByte.OpenArray || byte === JsonByte.OpenObject) {
      depth++;
    } else if (byte === JsonByte.CloseArray || byte === JsonByte.CloseObject) {
      if (depth-- > 0) {
        continue;
      }
      if (byte !== (isObject ? JsonByte.CloseObject : JsonByte.CloseArray)) {
        break;
      }
      bounds.push(i);
      return { bounds, close: i };
    } else if (byte === JsonByte.Comma && depth === 0) {
      bounds.push(i);
    }
  }
  throw new NotSliceable();
}

function parseSlice(bytes: Buffer, bounds: number[], first: number, last: number, isObject: boolean): unknown {
  const start = bounds[first] + 1;
  const end = bounds[last + 1];
  // A run of one empty item is `{}` or `[]` to JSON.parse; it is valid only as the whole of an empty container.
  if (first === last && bounds.length > 2 && skipWhitespace(bytes, start, end) === end) {
    throw new NotSliceable();
  }
  const text = bytes.toString('utf8', start, end);
  return JSON.parse(isObject ? `{${text}}` : `[${text}]`);
}

/** One item larger than a slice: a member's key and value, or an array's element. */
async function parseLargeItem(
  bytes: Buffer,
  start: number,
  end: number,
  into: unknown[] | Record<string, unknown>,
  sliceBytes: number,
): Promise<void> {
  if (Array.isArray(into)) {
    into.push(await parseValue(bytes, start, end, sliceBytes));
    return;
  }
  const keyStart = skipWhitespace(bytes, start, end);
  const keyEnd = bytes[keyStart] === JsonByte.Quote ? closingQuote(bytes, keyStart) : -1;
  const colon = keyEnd < 0 ? -1 : skipWhitespace(bytes, keyEnd + 1, end);
  if (colon < 0 || bytes[colon] !== JsonByte.Colon) {
    throw new NotSliceable();
  }
  const key = JSON.parse(bytes.toString('utf8', keyStart, keyEnd + 1)) as string;
  merge(into, { [key]: await parseValue(bytes, colon + 1, end, sliceBytes) }, key);
}

async function parseValue(bytes: Buffer, start: number, end: number, sliceBytes: number): Promise<unknown> {
  const at = skipWhitespace(bytes, start, end);
  if (bytes[at] !== JsonByte.OpenObject && bytes[at] !== JsonByte.OpenArray) {
    // A string or a number: one native copy, however long.
    return JSON.parse(bytes.toString('utf8', start, end));
  }
  await yieldToIo();
  const { value, close } = await parseContainer(bytes, at, sliceBytes);
  if (skipWhitespace(bytes, close + 1, end) !== end) {
    throw new NotSliceable();
  }
  return value;
}

function merge(into: unknown[] | Record<string, unknown>, parsed: unknown, onlyKey?: string): void {
  if (Array.isArray(into)) {
    for (const item of parsed as unknown[]) {
      into.push(item);
    }
    return;
  }
  const source = parsed as Record<string, unknown>;
  for (const key of onlyKey === undefined ? Object.keys(source) : [onlyKey]) {
    if (key === '__proto__') {
      // As JSON.parse makes it: an own property, not the object's prototype.
      Object.defineProperty(into, key, { value: source[key], enumerable: true, writable: true, configurable: true });
    } else {
      into[key] = source[key];
    }
  }
}
