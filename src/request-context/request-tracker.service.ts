import { Injectable } from '@nestjs/common';
import { ApiError } from '../core/errors';
import type { RequestContext } from './request-context';

/**
 * The API requests being served, for the concurrency cap and for graceful shutdown: once draining, readiness is
 * false, new API requests are refused, and the running ones get `drain()`'s time to finish.
 */
@Injectable()
export class RequestTracker {
  private readonly active = new Set<RequestContext>();
  private idleWaiters: Array<() => void> = [];
  private draining = false;

  get isDraining(): boolean {
    return this.draining;
  }

  get size(): number {
    return this.active.size;
  }

  add(context: RequestContext): void {
    this.active.add(context);
  }

  delete(context: RequestContext): void {
    this.active.delete(context);
    if (this.active.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
  }

  beginDrain(): void {
    this.draining = true;
  }

  /**
   * Waits up to `timeoutMs` for the running requests to finish; then aborts the rest with a 503 (a stream ends
   * with an error frame) and waits a little more for their responses to close.
   * @returns how many requests had to be cut.
   */
  async drain(timeoutMs: number, closeGraceMs = 5_000): Promise<number> {
    this.beginDrain();
    if (await this.whenIdle(timeoutMs)) {
      return 0;
    }
    const cut = this.active.size;
    const reason = ApiError.shuttingDown();
    for (const context of this.active) {
      context.abort(reason);
    }
    await this.whenIdle(closeGraceMs);
    return cut;
  }

  private whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.active.size === 0) {
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
