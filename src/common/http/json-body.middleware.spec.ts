import type { NextFunction, Request, Response } from 'express';
import { JsonShapeError } from './json-shape';
import { parseJsonBody } from './json-body.middleware';
import { SLICE_BYTES } from './json-slices';

/** Runs the middleware on a body as body-parser's raw reader leaves it; resolves with req.body or the error. */
function parse(body: Buffer | undefined, contentType = 'application/json'): Promise<unknown> {
  const req = { body, headers: { 'content-type': contentType } } as unknown as Request;
  return new Promise((resolve, reject) => {
    const next: NextFunction = (error?: unknown) => (error instanceof Error ? reject(error) : resolve(req.body));
    parseJsonBody(req, {} as Response, next);
  });
}

describe('parseJsonBody', () => {
  it('should parse a small and a sliced large body to what JSON.parse gives', async () => {
    const small = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    await expect(parse(Buffer.from(JSON.stringify(small)))).resolves.toEqual(small);
    const large = {
      model: 'm',
      messages: Array.from({ length: 10_000 }, (_, i) => ({ role: 'user', content: `m${i} ${'x'.repeat(100)}` })),
    };
    const bytes = Buffer.from(JSON.stringify(large));
    expect(bytes.length).toBeGreaterThan(SLICE_BYTES);
    await expect(parse(bytes)).resolves.toEqual(large);
  });

  it('should leave a request without a raw body alone and read an empty body as {}', async () => {
    await expect(parse(undefined)).resolves.toBeUndefined();
    await expect(parse(Buffer.alloc(0))).resolves.toEqual({});
  });

  it('should refuse malformed JSON and a bare value as body-parser does (400, entity.parse.failed)', async () => {
    for (const text of ['{"a":', '"text"', '42', ' null']) {
      await expect(parse(Buffer.from(text))).rejects.toMatchObject({ status: 400, type: 'entity.parse.failed' });
    }
    const large = Buffer.from(`{"x":["${'a'.repeat(SLICE_BYTES)}", {"y":1},]}`);
    await expect(parse(large)).rejects.toMatchObject({ status: 400, type: 'entity.parse.failed' });
  });

  it('should read UTF-8 with a byte-order mark and UTF-16, and refuse other charsets with a 415', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"ü"}')]);
    await expect(parse(bom)).resolves.toEqual({ a: 'ü' });
    const utf16 = Buffer.from('{"a":[1,"日本"]}', 'utf16le');
    await expect(parse(utf16, 'application/json; charset=UTF-16LE')).resolves.toEqual({ a: [1, '日本'] });
    for (const charset of ['utf-32', 'latin1', 'x-unknown']) {
      await expect(parse(Buffer.from('{}'), `application/json; charset=${charset}`)).rejects.toMatchObject({
        status: 415,
        type: 'charset.unsupported',
      });
    }
  });

  it('should bound the shape on the bytes, UTF-16 bodies on their characters', async () => {
    const deep = '{"x":' + '['.repeat(100) + ']'.repeat(100) + '}';
    await expect(parse(Buffer.from(deep))).rejects.toBeInstanceOf(JsonShapeError);
    await expect(parse(Buffer.from(deep, 'utf16le'), 'application/json; charset=utf-16le')).rejects.toBeInstanceOf(
      JsonShapeError,
    );
  });
});
