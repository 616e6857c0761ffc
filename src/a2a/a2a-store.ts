/**
 * Where each context (A2A `contextId`) stands in the Responses API's conversation store, which keeps the messages
 * themselves (one store for every protocol that continues conversations): the id of its latest response.
 */
export interface ContextStore {
  /** The id of the context's latest response; undefined for a new (or expired) context. */
  conversationOf(key: string): Promise<string | undefined>;
  /** Moves the context on to its latest response and renews the context's lifetime. */
  setConversation(key: string, conversationId: string, ttlMs: number): Promise<void>;
}

/** Task records as plain JSON, so any replica can read a task another one wrote. */
export interface TaskRecordStore {
  getTask(key: string): Promise<unknown>;
  saveTask(key: string, record: unknown, ttlMs: number): Promise<void>;
}

/**
 * What the A2A door keeps between requests, keyed by opaque strings (the door builds the keys from agent, caller and
 * id): task records, and which conversation each context continues.
 */
export interface A2aStore extends ContextStore, TaskRecordStore {}

/** DI token of the app's `A2aStore`: Redis when `REDIS_URL` is set (any replica answers), memory otherwise. */
export const A2A_STORE = Symbol('A2A_STORE');

/** A day: long enough to continue a conversation or fetch a result later, short enough not to grow forever. */
export const A2A_TTL_MS = 24 * 60 * 60_000;

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/**
 * One process's store, for a single replica. Entries expire; past `maxEntries` of a kind the oldest is dropped, so a
 * busy server without Redis cannot grow without bound.
 */
export class InMemoryA2aStore implements A2aStore {
  private readonly tasks = new Map<string, Entry<string>>();
  private readonly contexts = new Map<string, Entry<string>>();

  constructor(private readonly maxEntries = 10_000) {}

  getTask(key: string): Promise<unknown> {
    const entry = this.live(this.tasks, key);
    // Stored as text, so a caller mutating what it got back never changes the stored task.
    return Promise.resolve(entry === undefined ? undefined : JSON.parse(entry.value));
  }

  saveTask(key: string, record: unknown, ttlMs: number): Promise<void> {
    this.put(this.tasks, key, JSON.stringify(record), ttlMs);
    return Promise.resolve();
  }

  conversationOf(key: string): Promise<string | undefined> {
    return Promise.resolve(this.live(this.contexts, key)?.value);
  }

  setConversation(key: string, conversationId: string, ttlMs: number): Promise<void> {
    this.put(this.contexts, key, conversationId, ttlMs);
    return Promise.resolve();
  }

  private live<T>(map: Map<string, Entry<T>>, key: string): Entry<T> | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  private put<T>(map: Map<string, Entry<T>>, key: string, value: T, ttlMs: number): void {
    // Re-inserted, so the map's order stays oldest-write first.
    map.delete(key);
    map.set(key, { value, expiresAt: Date.now() + ttlMs });
    if (map.size > this.maxEntries) {
      map.delete(map.keys().next().value as string);
    }
  }
}
