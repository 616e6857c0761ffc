import { AbortedError, ApiError } from '../../errors';

interface Waiter<T> {
  resolve: (slot: T) => void;
  reject: (error: Error) => void;
  cleanup: () => void;
}

/**
 * Hands out a fixed set of slots (context sequences) to requests: each request holds one slot while it generates,
 * later requests wait in FIFO order, and beyond `queueLimit` waiting requests the answer is an immediate 503, so a
 * burst cannot pile up unbounded latency.
 */
export class SlotQueue<T> {
  private readonly free: T[];
  private readonly waiting: Waiter<T>[] = [];

  constructor(
    slots: T[],
    private readonly queueLimit: number,
  ) {
    this.free = [...slots];
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  get freeCount(): number {
    return this.free.length;
  }

  acquire(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) {
      return Promise.reject(new AbortedError());
    }
    const slot = this.free.pop();
    if (slot !== undefined) {
      return Promise.resolve(slot);
    }
    if (this.waiting.length >= this.queueLimit) {
      return Promise.reject(
        new ApiError(
          503,
          `The model is busy: all generation slots are in use and ${this.waiting.length} requests are already ` +
            'waiting. Retry shortly.',
          { type: 'server_error', code: 'model_overloaded', headers: { 'retry-after': '1' } },
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) {
          this.waiting.splice(index, 1);
        }
        reject(new AbortedError());
      };
      const waiter: Waiter<T> = {
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  release(slot: T): void {
    const next = this.waiting.shift();
    if (next) {
      next.cleanup();
      next.resolve(slot);
    } else {
      this.free.push(slot);
    }
  }

  /** Fails every waiting request, e.g. when the model is being unloaded. */
  rejectAll(error: Error): void {
    for (const waiter of this.waiting.splice(0)) {
      waiter.cleanup();
      waiter.reject(error);
    }
  }
}
