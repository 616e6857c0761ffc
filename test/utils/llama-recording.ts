import type { ModelBackend } from '../../src/core/model-backend';
import type { CallOptions, ModelRequest, ModelResult, ModelStreamEvent } from '../../src/core/types';
import type { TestServer } from './test-server';

export type Outcome = 'finished' | 'aborted' | 'failed';

/**
 * Wraps a backend and records how each call ended, so a test can prove that a client's disconnect stopped the
 * model's work (the call ended `aborted`, never `finished`) without timing anything.
 */
export class RecordingBackend implements ModelBackend {
  readonly outcomes: Outcome[] = [];
  private readonly waiters: (() => void)[] = [];

  constructor(readonly inner: ModelBackend) {}

  get modelName(): string {
    return this.inner.modelName;
  }

  ready(): Promise<void> {
    return this.inner.ready?.() ?? Promise.resolve();
  }

  async generate(request: ModelRequest, options?: CallOptions): Promise<ModelResult> {
    try {
      const result = await this.inner.generate(request, options);
      this.record('finished');
      return result;
    } catch (error) {
      this.record(options?.signal?.aborted ? 'aborted' : 'failed');
      throw error;
    }
  }

  async *stream(request: ModelRequest, options?: CallOptions): AsyncGenerator<ModelStreamEvent> {
    let finished = false;
    try {
      for await (const event of this.inner.stream(request, options)) {
        finished ||= event.type === 'finish';
        yield event;
      }
    } finally {
      this.record(finished ? 'finished' : options?.signal?.aborted ? 'aborted' : 'failed');
    }
  }

  /** Resolves once `count` calls have ended. */
  async ended(count: number): Promise<Outcome[]> {
    while (this.outcomes.length < count) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.outcomes;
  }

  private record(outcome: Outcome): void {
    this.outcomes.push(outcome);
    this.waiters.splice(0).forEach((wake) => wake());
  }
}

/**
 * Closes a test server at once: all requests are done, but the client's keep-alive sockets would otherwise hold
 * `server.close()` until they time out (seen on a busy machine).
 */
export async function closeNow(server: TestServer): Promise<void> {
  server.app.getHttpServer().closeAllConnections();
  await server.close();
}
