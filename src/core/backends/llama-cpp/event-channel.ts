/** A push-to-pull bridge: node-llama-cpp reports through callbacks, the backend yields an async iterable. */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private done = false;
  private error?: Error;
  private wake?: () => void;

  push(item: T): void {
    this.buffer.push(item);
    this.notify();
  }
  close(): void {
    this.done = true;
    this.notify();
  }
  fail(error: unknown): void {
    this.error = error instanceof Error ? error : new Error(`Generation failed: ${String(error)}`);
    this.done = true;
    this.notify();
  }
  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.buffer.length > 0) {
        yield this.buffer.shift() as T;
        continue;
      }
      if (this.done) {
        if (this.error) {
          throw this.error;
        }
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
