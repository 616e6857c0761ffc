/**
 * Resolves once Node has polled for I/O, so the requests waiting on other sockets are served before the caller goes
 * on. One `setImmediate` is not enough from an I/O callback (the poll phase: a body's last chunk, an upstream's
 * answer): its callback runs in the same turn of the loop, before the next poll, and the work before and after it
 * would still be one block for every other connection. The second hop always follows a poll.
 */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
