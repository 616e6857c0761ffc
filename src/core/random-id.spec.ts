import { randomId } from './random-id';

describe(randomId.name, () => {
  it('should give base64url ids of the asked size, all different, across pool refills', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = randomId(12);
      expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(2000);
  });
});
