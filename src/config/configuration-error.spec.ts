import { ConfigurationError, describeStartupFailure } from './configuration-error';

describe(describeStartupFailure.name, () => {
  it('should give a configuration error as its message alone', () => {
    expect(describeStartupFailure(new ConfigurationError('Invalid configuration:\n  PORT: bad'))).toBe(
      'Invalid configuration:\n  PORT: bad',
    );
  });

  it('should keep the stack of anything else, which is a bug to find', () => {
    const bug = new TypeError('x is undefined');
    expect(describeStartupFailure(bug)).toBe(bug.stack);
    expect(describeStartupFailure('plain')).toBe('plain');
  });
});
