import { context, type Context } from '@opentelemetry/api';

/** What a traced iteration reports back to the span that wraps it. */
export interface IterationObserver<T, R> {
  /** Each value, as it passes. */
  onValue?(value: T): void;
  /** The iteration completed (`value`: what the generator returned). */
  onDone(value: R | undefined): void;
  /** It threw. */
  onError(error: unknown): void;
  /** The consumer stopped it early (`return()`), e.g. a `for await` loop that broke out. */
  onReturn(): void;
}

/**
 * An async generator that runs every step of `inner` inside `ctx`. An async generator's body resumes in the context of
 * whoever calls `next()`, not of whoever created it, so this is what makes the span active for the code inside (the
 * spans it starts nest under it, the upstream request carries its `traceparent`). A plain object rather than an
 * `async function*`: one `.then` per step instead of a generator's promise queue.
 */
export class TracedGenerator<T, R> implements AsyncGenerator<T, R, undefined> {
  private settled = false;
  private readonly inner: AsyncIterator<T, R, undefined>;

  constructor(
    inner: AsyncIterable<T> | AsyncIterator<T, R, undefined>,
    private readonly ctx: Context,
    private readonly observer: IterationObserver<T, R>,
  ) {
    this.inner =
      Symbol.asyncIterator in inner
        ? (context.with(ctx, () => inner[Symbol.asyncIterator]()) as AsyncIterator<T, R, undefined>)
        : inner;
  }

  next(): Promise<IteratorResult<T, R>> {
    return this.observe(
      context.with(this.ctx, () => this.inner.next()),
      false,
    );
  }

  return(value?: R | PromiseLike<R>): Promise<IteratorResult<T, R>> {
    const inner = this.inner;
    const step = inner.return
      ? context.with(this.ctx, () => inner.return!(value))
      : Promise.resolve(value).then((v): IteratorResult<T, R> => ({ done: true, value: v as R }));
    return this.observe(step, true);
  }

  throw(error?: unknown): Promise<IteratorResult<T, R>> {
    const inner = this.inner;
    const step = inner.throw
      ? context.with(this.ctx, () => inner.throw!(error))
      : new Promise<IteratorResult<T, R>>(() => {
          throw error;
        });
    return this.observe(step, false);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  private observe(step: Promise<IteratorResult<T, R>>, returning: boolean): Promise<IteratorResult<T, R>> {
    return step.then(
      (result) => {
        if (!result.done) {
          this.observer.onValue?.(result.value);
        } else if (!this.settled) {
          this.settled = true;
          if (returning) {
            this.observer.onReturn();
          } else {
            this.observer.onDone(result.value);
          }
        }
        return result;
      },
      (error: unknown) => {
        if (!this.settled) {
          this.settled = true;
          this.observer.onError(error);
        }
        throw error;
      },
    );
  }
}
