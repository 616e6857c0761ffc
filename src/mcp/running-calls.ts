import type { RequestId } from '@modelcontextprotocol/sdk/types.js';

/**
 * The tool calls running on this replica, so a `notifications/cancelled` can reach its call: on a stateless server
 * it arrives as a POST of its own, to a server instance that never saw the call. Request ids are the client's own
 * (every client starts at 0), so a call is known by who sent it as well.
 */
export class RunningCalls {
  private readonly calls = new Map<string, (reason: string) => void>();

  /** Registers a call with what cancels it; the returned function forgets it. */
  add(caller: string, requestId: RequestId, cancel: (reason: string) => void): () => void {
    const key = keyOf(caller, requestId);
    this.calls.set(key, cancel);
    return () => {
      if (this.calls.get(key) === cancel) {
        this.calls.delete(key);
      }
    };
  }

  /** True when the call was running here (a cancellation for a finished or unknown call is ignored, as the spec says). */
  cancel(caller: string, requestId: RequestId | undefined, reason: string): boolean {
    const cancel = requestId === undefined ? undefined : this.calls.get(keyOf(caller, requestId));
    cancel?.(reason);
    return cancel !== undefined;
  }

  get size(): number {
    return this.calls.size;
  }
}

function keyOf(caller: string, requestId: RequestId): string {
  return `${caller}\n${typeof requestId}:${requestId}`;
}
