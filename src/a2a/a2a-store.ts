import type { ChatMessage } from '../core/types';

/** The conversation of one context (A2A `contextId`), oldest message first. */
export interface ConversationStore {
  /** The context's messages so far; empty for a new (or expired) context. */
  history(key: string): Promise<ChatMessage[]>;
  /** Adds one turn's messages at the end and renews the context's lifetime. */
  append(key: string, messages: ChatMessage[], ttlMs: number): Promise<void>;
}

/** Task records as plain JSON, so any replica can read a task another one wrote. */
export interface TaskRecordStore {
  getTask(key: string): Promise<unknown>;
  saveTask(key: string, record: unknown, ttlMs: number): Promise<void>;
}

/**
 * What the A2A door keeps between requests. Deliberately small and keyed by opaque strings (the door builds the keys
 * from agent, caller and id), so one conversation store can later serve every protocol that continues conversations.
 */
export interface A2aStore extends ConversationStore, TaskRecordStore {}

/** DI token of the app's `A2aStore`: Redis when `REDIS_URL` is set (any replica answers), memory otherwise. */
export const A2A_STORE = Symbol('A2A_STORE');

/** A day: long enough to continue a conversation or fetch a result later, short enough not to grow forever. */
export const A2A_TTL_MS = 24 * 60 * 60_000;

/** The most messages a context keeps (the oldest go first); a bound on memory, not a context-window policy. */
export const MAX_CONTEXT_MESSAGES = 1_000;

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
  private readonly contexts = new Map<string, Entry<ChatMessage[]>>();

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

  history(key: string): Promise<ChatMessage[]> {
    return Promise.resolve(structuredClone(this.live(this.contexts, key)?.value ?? []));
  }

  append(key: string, messages: ChatMessage[], ttlMs: number): Promise<void> {
    const all = [...(this.live(this.contexts, key)?.value ?? []), ...structuredClone(messages)];
    this.put(this.contexts, key, all.slice(-MAX_CONTEXT_MESSAGES), ttlMs);
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
