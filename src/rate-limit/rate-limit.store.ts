/** A fixed-window counter, shared by every replica when it lives in Redis. */
export interface RateLimitStore {
  /**
   * Adds `amount` (0 to only read) to the counter `key`; a counter that does not exist starts a window of
   * `windowMs`. Returns the window's total and the milliseconds until it resets.
   */
  increment(key: string, amount: number, windowMs: number): Promise<{ total: number; resetMs: number }>;
}

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');
