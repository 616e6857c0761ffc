/**
 * One signal that aborts with either, and `dispose()` to unlink them once the work is done, so no listener stays on
 * a caller's signal. Not `AbortSignal.any`: on Node 20 each call builds weak references and sets that outlive the
 * request until a full GC (BENCHMARKS.md).
 */
export function linkSignals(
  first: AbortSignal | undefined,
  second: AbortSignal | undefined,
): { signal: AbortSignal | undefined; dispose: () => void } {
  if (!first || !second) {
    return { signal: first ?? second, dispose: () => undefined };
  }
  const controller = new AbortController();
  const onFirst = () => controller.abort(first.reason);
  const onSecond = () => controller.abort(second.reason);
  const dispose = () => {
    first.removeEventListener('abort', onFirst);
    second.removeEventListener('abort', onSecond);
  };
  if (first.aborted) {
    onFirst();
  } else if (second.aborted) {
    onSecond();
  } else {
    first.addEventListener('abort', onFirst, { once: true });
    second.addEventListener('abort', onSecond, { once: true });
  }
  return { signal: controller.signal, dispose };
}

/**
 * Settles as `promise` does, or rejects with the signal's reason once it aborts: the server's own aborts (timeout,
 * shutdown) take effect even when a backend ignores its signal. The listener is removed either way.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
}
