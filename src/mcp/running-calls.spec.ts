import { RunningCalls } from './running-calls';

describe(RunningCalls.name, () => {
  it('should cancel the call of that caller and request id only', () => {
    const calls = new RunningCalls();
    const cancelled: string[] = [];
    calls.add('key:a|s1', 1, (reason) => cancelled.push(`a1 ${reason}`));
    calls.add('key:b|s2', 1, (reason) => cancelled.push(`b1 ${reason}`));
    const forget = calls.add('key:a|s1', '1', (reason) => cancelled.push(`a'1' ${reason}`));

    expect(calls.cancel('key:a|s1', 1, 'stop')).toBe(true);
    expect(cancelled).toEqual(['a1 stop']);
    forget();
    expect(calls.cancel('key:a|s1', '1', 'stop')).toBe(false);
    expect(calls.cancel('key:c|s3', 1, 'stop')).toBe(false);
    expect(calls.cancel('key:b|s2', undefined, 'stop')).toBe(false);
    expect(calls.size).toBe(2);
  });
});
