import { toGrammarSchema, unsupportedSchemaParts } from './grammar-schema';

describe('grammar schema support', () => {
  it('accepts what the grammar enforces and ignores annotations', () => {
    expect(
      unsupportedSchemaParts({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: 'Shirt',
        type: 'object',
        properties: {
          size: { enum: ['S', 'M'], description: 'the size' },
          tags: { type: 'array', items: { type: 'string', maxLength: 10 }, maxItems: 3 },
          when: { type: 'string', format: 'date' },
          owner: { $ref: '#/$defs/person' },
          note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        },
        $defs: { person: { type: 'object', properties: { name: { type: ['string', 'null'] } } } },
        required: ['size'],
        additionalProperties: false,
      }),
    ).toEqual([]);
  });

  it('names every part it cannot enforce', () => {
    expect(
      unsupportedSchemaParts({
        type: 'object',
        properties: { code: { type: 'string', pattern: '^A' }, n: { type: 'decimal' } },
        allOf: [],
      }),
    ).toEqual(['#/properties/code/pattern', '#/properties/n/type ("decimal")', '#/allOf']);
  });

  it('rewrites anyOf to oneOf without touching property names or enum values', () => {
    expect(
      toGrammarSchema({
        type: 'object',
        properties: { anyOf: { anyOf: [{ type: 'null' }, { enum: [{ anyOf: 1 }] }] } },
      }),
    ).toEqual({
      type: 'object',
      properties: { anyOf: { oneOf: [{ type: 'null' }, { enum: [{ anyOf: 1 }] }] } },
    });
  });
});
