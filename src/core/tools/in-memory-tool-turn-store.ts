import type { ToolTurn, ToolTurnStore } from './tool-turn-store';

interface Entry {
  turn: ToolTurn;
  expiresAt: number;
}

/**
 * The default `ToolTurnStore`: a Map in this process, with expiry and a size cap so abandoned turns (the client
 * never sent its results) cannot grow memory without bound. Right for one instance; with several replicas behind a
 * load balancer a client's follow-up may land elsewhere, so use a shared store (Redis) there.
 */
export class InMemoryToolTurnStore implements ToolTurnStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 10_000) {}

  save(turn: ToolTurn, ttlMs: number): Promise<void> {
    this.sweep();
    const entry: Entry = { turn: structuredClone(turn), expiresAt: Date.now() + ttlMs };
    for (const id of turn.clientCallIds) {
      this.entries.set(id, entry);
    }
    // Map iteration is insertion order, so the oldest entries go first.
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) {
        break;
      }
      this.entries.delete(id);
    }
    return Promise.resolve();
  }

  get(callId: string): Promise<ToolTurn | undefined> {
    const entry = this.entries.get(callId);
    if (!entry || entry.expiresAt <= Date.now()) {
      this.entries.delete(callId);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(structuredClone(entry.turn));
  }

  delete(callIds: string[]): Promise<void> {
    for (const id of callIds) {
      this.entries.delete(id);
    }
    return Promise.resolve();
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(id);
      }
    }
  }
}
