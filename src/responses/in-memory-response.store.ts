import type { ResponseStore, StoredResponse } from './response-store';

export interface InMemoryResponseStoreOptions {
  ttlMs: number;
  /** Most responses kept; the oldest go first. */
  maxEntries?: number;
  /** Most bytes (of their JSON) kept; the oldest go first. */
  maxBytes?: number;
}

interface Entry {
  /** Serialized, so a caller's later edits cannot reach it and its size is known. */
  json: string;
  expiresAt: number;
}

/**
 * Responses in this process's memory, bounded in count and bytes, each for `ttlMs`. A Map keeps insertion order, so
 * the oldest entry is always first: eviction and expiry are O(1) per entry removed.
 */
export class InMemoryResponseStore implements ResponseStore {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(private readonly options: InMemoryResponseStoreOptions) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  }

  save(stored: StoredResponse): Promise<void> {
    const id = stored.response.id;
    this.remove(id);
    const json = JSON.stringify(stored);
    // A response larger than the whole store is not kept at all rather than emptying the store for it.
    if (json.length <= this.maxBytes) {
      this.entries.set(id, { json, expiresAt: Date.now() + this.options.ttlMs });
      this.bytes += json.length;
    }
    this.evict();
    return Promise.resolve();
  }

  get(id: string): Promise<StoredResponse | undefined> {
    this.evict();
    const entry = this.entries.get(id);
    return Promise.resolve(entry ? (JSON.parse(entry.json) as StoredResponse) : undefined);
  }

  delete(id: string): Promise<boolean> {
    this.evict();
    return Promise.resolve(this.remove(id));
  }

  get size(): number {
    return this.entries.size;
  }

  private remove(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) {
      return false;
    }
    this.entries.delete(id);
    this.bytes -= entry.json.length;
    return true;
  }

  private evict(): void {
    const now = Date.now();
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) {
        return;
      }
      this.remove(id);
    }
  }
}
