import { MemoryRateLimitStore } from './memory-rate-limit.store';

describe(MemoryRateLimitStore.name, () => {
  afterEach(() => jest.useRealTimers());

  it('should add up within a window, read with 0 and start over when the window ends', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const store = new MemoryRateLimitStore();
    expect(await store.increment('k', 1, 60_000)).toEqual({ total: 1, resetMs: 60_000 });
    jest.advanceTimersByTime(10_000);
    expect(await store.increment('k', 5, 60_000)).toEqual({ total: 6, resetMs: 50_000 });
    expect(await store.increment('k', 0, 60_000)).toEqual({ total: 6, resetMs: 50_000 });
    expect(await store.increment('other', 0, 60_000)).toEqual({ total: 0, resetMs: 60_000 });
    jest.advanceTimersByTime(50_000);
    expect(await store.increment('k', 1, 60_000)).toEqual({ total: 1, resetMs: 60_000 });
  });
});
