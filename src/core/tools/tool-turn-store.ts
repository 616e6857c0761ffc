import type { ChatMessage } from '../types';

/**
 * What the agent remembers of a model turn that called both its own tools and the client's: the assistant message
 * as the model wrote it (every call, in order) and the results of the agent's own calls. The client only ever sees
 * its own calls; when it sends their results back, the agent splices this turn back in so the model sees the whole
 * turn.
 */
export interface ToolTurn {
  /** The assistant message with ALL the calls of the turn (own and client's), in the model's order. */
  assistant: ChatMessage;
  /** Tool messages answering the agent's own calls, in call order. */
  ownResults: ChatMessage[];
  /** Ids of the calls handed to the client: the keys under which the turn is stored. */
  clientCallIds: string[];
}

/**
 * A short-lived store of mixed tool turns, keyed by the ids of the calls handed to the client. Entries expire
 * after `ttlMs`; a missing entry means the client's results are answered without the agent's half of the turn.
 *
 * Async so a shared implementation (Redis) can back several replicas: with the in-memory store, the client's
 * follow-up must reach the replica that served the turn.
 */
export interface ToolTurnStore {
  /** Stores `turn` under each of `turn.clientCallIds`, for `ttlMs` milliseconds. */
  save(turn: ToolTurn, ttlMs: number): Promise<void>;
  /** The turn one of whose client calls has id `callId`, if still stored. */
  get(callId: string): Promise<ToolTurn | undefined>;
  /** Forgets the turn stored under `callIds` (after it has been used). */
  delete(callIds: string[]): Promise<void>;
}
