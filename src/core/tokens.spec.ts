import { countTextTokens, splitTokens } from './tokens';

describe(countTextTokens.name, () => {
  it('should count exactly the tokens splitTokens makes', () => {
    const pieces = ['a', 'bc', ' ', '  ', '\n', '\t', '\u00a0', '\u2003', 'é', '😀', '.', ''];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 2_000; n++) {
      const text = Array.from({ length: next() % 12 }, () => pieces[next() % pieces.length]).join('');
      expect([text, countTextTokens(text)]).toEqual([text, splitTokens(text).length]);
    }
  });

  it('should count a large prompt without building its tokens', () => {
    const text = 'lorem ipsum dolor '.repeat(500_000);
    expect(countTextTokens(text)).toBe(1_500_001);
  });
});
