import { compileSchema } from './json-schema-dialects';

describe(compileSchema.name, () => {
  it('should check draft-07 schemas, as the SDK servers write them', () => {
    const check = compileSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { path: { type: 'string' }, tail: { type: 'number' } },
      required: ['path'],
      additionalProperties: false,
    });
    expect(check({ path: '/a' }).valid).toBe(true);
    const failed = check({ tail: 'x' });
    expect(failed.valid).toBe(false);
    expect(failed.errorMessage).toContain("must have required property 'path'");
  });

  it('should check 2020-12 schemas with the 2020-12 keywords', () => {
    const check = compileSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.com/point',
      type: 'object',
      properties: { point: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], items: false } },
    });
    expect(check({ point: [1, 2] }).valid).toBe(true);
    expect(check({ point: [1, 'y'] }).valid).toBe(false);
    expect(check({ point: [1, 2, 3] }).valid).toBe(false);
    // The same schema again (a reconnected server lists it again) compiles again.
    expect(
      compileSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'https://example.com/point' })({})
        .valid,
    ).toBe(true);
  });

  it('should check nothing rather than fail on a schema it cannot compile', () => {
    const check = compileSchema({ type: 'object', properties: { a: { $ref: '#/nowhere' } } });
    expect(check({ a: 1 }).valid).toBe(true);
  });
});
