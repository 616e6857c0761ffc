import { parseJsonInSlices } from './json-slices';

/** A small deterministic generator (mulberry32), so every run builds the same documents. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function document(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 4 ? 4 : 7));
  switch (pick) {
    case 0:
      return Math.floor(next() * 1e6) / 100;
    case 1:
      return `s${'é"\\, ]}'.slice(0, Math.floor(next() * 8))}${'x'.repeat(Math.floor(next() * 40))}`;
    case 2:
      return next() < 0.5 ? null : next() < 0.5;
    case 3:
      return '';
    case 4:
    case 5:
      return Array.from({ length: Math.floor(next() * 12) }, () => document(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 12) }, (_, i) => [
          `k${i}${'"{,'.charAt(i % 4)}`,
          document(next, depth + 1),
        ]),
      );
  }
}

/** Texts of every layout: compact, indented, with whitespace around every token. */
function texts(value: unknown): string[] {
  return [
    JSON.stringify(value),
    JSON.stringify(value, null, 2),
    JSON.stringify(value, null, '\t').replace(/,/g, ' , '),
  ];
}

async function errorOf(parse: () => unknown): Promise<unknown> {
  try {
    await parse();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('parseJsonInSlices', () => {
  it('should give what JSON.parse gives for generated documents, however small the slices', async () => {
    const next = random(12);
    for (let doc = 0; doc < 60; doc++) {
      const value = { messages: [document(next, 0), document(next, 0)], extra: document(next, 0) };
      for (const text of texts(value)) {
        for (const slice of [1, 7, 64, 1 << 20]) {
          await expect(parseJsonInSlices(Buffer.from(text), slice)).resolves.toEqual(JSON.parse(text));
        }
      }
    }
  });

  it('should keep the meaning of duplicate keys, key order and a __proto__ key across slices', async () => {
    const text = '{"a":1,"__proto__":{"polluted":true},"b":[1,2,3],"a":2,"c":{"x":1,"x":[4]}}';
    const parsed = (await parseJsonInSlices(Buffer.from(text), 4)) as Record<string, unknown>;
    expect(parsed).toEqual(JSON.parse(text));
    expect(Object.keys(parsed)).toEqual(Object.keys(JSON.parse(text) as object));
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('should fail exactly as JSON.parse does on malformed text, wherever the fault is', async () => {
    const good = JSON.stringify({ a: [1, { b: 'x,]' }, [2, 3]], c: { d: 'e' }, f: ['g', 'h'] });
    const faults = [
      good.slice(0, -1),
      good + ']',
      good + ' x',
      good.replace('[1,', '[1,,'),
      good.replace('"c":', '"c"'),
      good.replace(']]', ']}'),
      good.replace('"e"', 'e'),
      good.replace('}', '},'),
      '{"a":1,}',
      '[1,2,]',
      '{"a" 1}',
      '{"unterminated',
      '',
      ' ',
      '"just a string"',
      '[1] [2]',
    ];
    for (const text of faults) {
      for (const slice of [1, 5, 1 << 20]) {
        const expected = await errorOf(() => JSON.parse(text));
        const got = await errorOf(() => parseJsonInSlices(Buffer.from(text), slice));
        if (expected === undefined) {
          expect(got).toBeUndefined();
        } else {
          expect(got).toBeInstanceOf(SyntaxError);
          expect((got as Error).message).toBe((expected as Error).message);
        }
      }
    }
  });

  it('should agree with JSON.parse on thousands of randomly damaged documents', async () => {
    const next = random(99);
    const damage = [',', '', ']', '}', '[', '{', '"', ' ', ':', '1', ',,'];
    let invalid = 0;
    for (let doc = 0; doc < 1_200; doc++) {
      const text = JSON.stringify({ a: document(next, 0), b: [document(next, 0), document(next, 0)] });
      const at = Math.floor(next() * text.length);
      const cut = next() < 0.5 ? 1 : 0;
      const damaged = text.slice(0, at) + damage[Math.floor(next() * damage.length)] + text.slice(at + cut);
      const expected = await errorOf(() => JSON.parse(damaged));
      const slice = 1 + Math.floor(next() * 40);
      const got = await errorOf(() => parseJsonInSlices(Buffer.from(damaged), slice));
      if (expected === undefined) {
        expect(got).toBeUndefined();
        await expect(parseJsonInSlices(Buffer.from(damaged), slice)).resolves.toEqual(JSON.parse(damaged));
      } else {
        invalid++;
        expect((got as Error | undefined)?.message).toBe((expected as Error).message);
      }
    }
    // Most damage breaks the document: the comparison covered both outcomes.
    expect(invalid).toBeGreaterThan(400);
  });

  it('should decode multi-byte UTF-8 whichever slice it falls in', async () => {
    const text = JSON.stringify({ words: Array.from({ length: 200 }, (_, i) => `日本語 ${i} 😀 ü`) });
    await expect(parseJsonInSlices(Buffer.from(text), 50)).resolves.toEqual(JSON.parse(text));
  });

  it('should let other callbacks run between the slices of a large body', async () => {
    const text = JSON.stringify({
      messages: Array.from({ length: 4_000 }, (_, i) => ({ role: 'user', content: `m${i}` })),
    });
    let turns = 0;
    let counting = true;
    const count = (): void => {
      if (counting) {
        turns++;
        setImmediate(count);
      }
    };
    setImmediate(count);
    const parsed = await parseJsonInSlices(Buffer.from(text), 10_000);
    counting = false;
    expect(parsed).toEqual(JSON.parse(text));
    // About 90 KB in slices of 10 KB: the counter ran between them.
    expect(turns).toBeGreaterThanOrEqual(8);
  });
});
