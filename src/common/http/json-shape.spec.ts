import { checkJsonShape, JsonShapeError } from './json-shape';

const limits = { maxDepth: 4, maxItems: 6 };
const check = (text: string) => checkJsonShape(Buffer.from(text), limits);
const codeOf = (text: string): string | undefined => {
  try {
    check(text);
    return undefined;
  } catch (error) {
    return (error as JsonShapeError).code;
  }
};

describe(checkJsonShape.name, () => {
  it('should count nesting levels, the body being the first', () => {
    expect(codeOf('[[[[]]]]')).toBeUndefined();
    expect(codeOf('[[[[[]]]]]')).toBe('json_too_deep');
    expect(codeOf('{"a":{"b":{"c":{"d":1}}}}')).toBeUndefined();
    expect(codeOf('{"a":{"b":{"c":{"d":{}}}}}')).toBe('json_too_deep');
    // Closed containers give their level back.
    expect(codeOf('[[[[]]],[[[]]]]')).toBeUndefined();
  });

  it('should count array items and object members exactly, empty containers as none', () => {
    expect(codeOf('[1,2,3,4,5,6]')).toBeUndefined();
    expect(codeOf('[1,2,3,4,5,6,7]')).toBe('json_too_many_items');
    // 2 members, 2 items, 2 members: 6.
    expect(codeOf('{"a":[1,2],"b":{"c":1,"d":2}}')).toBeUndefined();
    expect(codeOf('{"a":[1,2],"b":{"c":1,"d":2,"e":3}}')).toBe('json_too_many_items');
    expect(codeOf('[[ ],{ },[\n],{\t}]')).toBeUndefined();
  });

  it('should skip brackets and commas inside strings, escaped quotes included', () => {
    expect(codeOf('["[[[[[,,,,,,,,", "\\"[[[[[[", "\\\\", "{{{{{"]')).toBeUndefined();
    expect(codeOf('{"k\\"[[[[[[":"v,,,,,,,,,"}')).toBeUndefined();
    expect(codeOf('["\\\\"[[[[[]]]]]]')).toBe('json_too_deep');
  });

  it('should leave malformed JSON to the parser', () => {
    expect(codeOf('{"unterminated": "[[[[[[[[')).toBeUndefined();
    expect(codeOf(']]]]')).toBeUndefined();
    expect(codeOf('')).toBeUndefined();
  });

  it('should carry the status and type body-parser passes on', () => {
    try {
      checkJsonShape(Buffer.from('['.repeat(100)));
      throw new Error('not refused');
    } catch (error) {
      expect(error).toBeInstanceOf(JsonShapeError);
      expect(error).toMatchObject({ status: 400, type: 'entity.shape.invalid', code: 'json_too_deep' });
    }
  });
});
