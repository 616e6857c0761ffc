import type { AgentResponse, AgentStreamEvent, ChatAgent, RunOptions } from '../core/chat-agent';
import type { ChatMessage } from '../core/types';
import type { RequestContext } from './request-context';

/**
 * The agent as seen by one HTTP request: its calls also stop on the request's timeout and on shutdown (next to the
 * client-disconnect signal the caller passes), turn those aborts into the right OpenAI error (504 / 503), and
 * report usage, time to first token and tool calls to the request context. Without a context (the library's own
 * use): the agent itself.
 *
 * The context is passed in, not found through AsyncLocalStorage: on Node 20 an AsyncLocalStorage in use puts a hook on
 * every promise of the process, which cost ~140 µs of CPU per proxied request (BENCHMARKS.md).
 *
 * A Proxy rather than a subclass so the service keeps calling the agent it resolved, whatever else it uses of it.
 */
export function withRequestScope(agent: ChatAgent, context: RequestContext | undefined): ChatAgent {
  if (!context) {
    return agent;
  }
  context.startDeadline();
  return new Proxy(agent, {
    get(target, property, receiver) {
      if (property === 'run') {
        return (messages: ChatMessage[], options?: RunOptions) => scopedRun(target, context, messages, options);
      }
      if (property === 'runStream') {
        return (messages: ChatMessage[], options?: RunOptions) => scopedRunStream(target, context, messages, options);
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

async function scopedRun(
  agent: ChatAgent,
  context: RequestContext,
  messages: ChatMessage[],
  options: RunOptions = {},
): Promise<AgentResponse> {
  const link = linkSignals(options.signal, context.signal);
  try {
    const response = await untilAborted(agent.run(messages, { ...options, signal: link.signal }), context.signal);
    context.markFirstToken();
    for (const call of response.agentToolCalls ?? []) {
      context.toolCalls.push({ name: call.name, executor: 'agent' });
    }
    for (const call of response.message.toolCalls ?? []) {
      context.toolCalls.push({ name: call.name, executor: 'client' });
    }
    context.addUsage(response.usage);
    return response;
  } catch (error) {
    throw context.failure(error, options.signal);
  } finally {
    link.dispose();
  }
}

/**
 * An iterator, not an async generator: the scope adds no generator layer (and its promises) per event of the stream.
 * One abort listener for the whole stream fails the wait in progress. (A listener per chunk cost more than the
 * chunk's own work; a Promise.race against one abort promise left a reaction on it per chunk, holding every event of
 * the stream until its end.)
 */
function scopedRunStream(
  agent: ChatAgent,
  context: RequestContext,
  messages: ChatMessage[],
  options: RunOptions = {},
): AsyncGenerator<AgentStreamEvent> {
  context.streamed = true;
  const link = linkSignals(options.signal, context.signal);
  const events = agent.runStream(messages, { ...options, signal: link.signal });
  const waiter = abortableWaits(context.signal);
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  let closed = false;
  const close = () => {
    if (closed) {
      return;
    }
    closed = true;
    waiter.dispose();
    link.dispose();
    // Runs the agent's own cleanup when we stop early; not awaited, as a backend ignoring its signal may never end.
    void events.return(undefined).catch(() => undefined);
  };
  const observe = (next: IteratorResult<AgentStreamEvent>): IteratorResult<AgentStreamEvent> => {
    if (next.done) {
      close();
      return next;
    }
    const event = next.value;
    context.markFirstToken();
    if (event.type === 'tool-call' && event.name) {
      context.toolCalls.push({ name: event.name, executor: 'client' });
    } else if (event.type === 'tool-run' && event.phase === 'start') {
      context.toolCalls.push(...event.calls.map((call) => ({ name: call.name, executor: 'agent' as const })));
    } else if (event.type === 'finish') {
      context.addUsage(event.usage);
    }
    return next;
  };
  const fail = (error: unknown): never => {
    close();
    throw context.failure(error, options.signal);
  };
  const iterator = {
    next: () => (closed ? Promise.resolve(done) : waiter.wait(events.next()).then(observe, fail)),
    return: () => {
      close();
      return Promise.resolve(done);
    },
    throw: (error: Error) => {
      close();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator as unknown as AsyncGenerator<AgentStreamEvent>;
}

/**
 * The server's own aborts (timeout, shutdown) take effect even when a backend ignores its signal: the client gets
 * its answer on time, and the backend's late result is dropped.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
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

/**
 * `wait(promise)` settles as the promise does, or rejects with the signal's reason once it aborts (also mid-wait); one
 * listener serves every wait. `dispose()` removes it.
 */
function abortableWaits(signal: AbortSignal): {
  wait: <T>(promise: Promise<T>) => Promise<T>;
  dispose: () => void;
} {
  let failWait: ((reason: unknown) => void) | undefined;
  const onAbort = () => failWait?.(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    wait: <T>(promise: Promise<T>) => {
      if (signal.aborted) {
        promise.catch(() => undefined);
        return Promise.reject(signal.reason as Error);
      }
      return new Promise<T>((resolve, reject) => {
        failWait = reject;
        promise.then(resolve, reject);
      });
    },
    dispose: () => signal.removeEventListener('abort', onAbort),
  };
}

/**
 * One signal that aborts with either, and `dispose()` to unlink them once the work is done. Not `AbortSignal.any`:
 * on Node 20 each call builds weak references and sets that outlive the request until a full GC (they showed as the
 * largest objects retained per request in a heap profile of the service under load).
 */
function linkSignals(
  clientSignal: AbortSignal | undefined,
  serverSignal: AbortSignal,
): { signal: AbortSignal; dispose: () => void } {
  if (!clientSignal) {
    return { signal: serverSignal, dispose: () => undefined };
  }
  const controller = new AbortController();
  const abortWith = (source: AbortSignal) => () => controller.abort(source.reason);
  const onClient = abortWith(clientSignal);
  const onServer = abortWith(serverSignal);
  const dispose = () => {
    clientSignal.removeEventListener('abort', onClient);
    serverSignal.removeEventListener('abort', onServer);
  };
  if (clientSignal.aborted) {
    onClient();
  } else if (serverSignal.aborted) {
    onServer();
  } else {
    clientSignal.addEventListener('abort', onClient, { once: true });
    serverSignal.addEventListener('abort', onServer, { once: true });
  }
  return { signal: controller.signal, dispose };
}
