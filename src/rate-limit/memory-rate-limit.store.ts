import type { RateLimitStore } from './rate-limit.store';

/** Counters of one process (one replica). */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { total: number; resetAt: number }>();
  private nextSweepAt = 0;

  increment(key: string, amount: number, windowMs: number): Promise<{ total: number; resetMs: number }> {
    const now = Date.now();
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { total: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.total += amount;
    return Promise.resolve({ total: window.total, resetMs: window.resetAt - now });
  }

  /** Drops finished windows now and then, so one-off clients do not accumulate. */
  private sweep(now: number): void {
    if (now < this.nextSweepAt) {
      return;
    }
    this.nextSweepAt = now + 60_000;
    for (const [key, window] of this.windows) {
      if (window.resetAt <= now) {
        this.windows.delete(key);
      }
    }
  }
}
