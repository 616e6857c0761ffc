import type { ChatMessage } from '../core/types';
import type { WireResponse } from '../openai/responses.types';
import type { InputItem } from './input-items';

/** What the server keeps of one response made with `store: true`. */
export interface StoredResponse {
  response: WireResponse;
  /** This request's input items, with their ids (GET /v1/responses/{id}/input_items). */
  inputItems: Array<InputItem & { id: string }>;
  /**
   * The conversation as the model saw it up to and including this response, without `instructions` (which are not
   * carried over): what `previous_response_id` replays. It holds the agent's own tool turns too.
   */
  messages: ChatMessage[];
  /** SHA-256 (hex) of the API key that created it, when API keys are on: only that key may read or continue it. */
  owner?: string;
}

/**
 * Where responses are kept for `previous_response_id` and retrieval: memory (bounded, one replica) or Redis (every
 * replica). Entries expire after the store's TTL.
 */
export interface ResponseStore {
  save(stored: StoredResponse): Promise<void>;
  get(id: string): Promise<StoredResponse | undefined>;
  /** True when there was something to delete. */
  delete(id: string): Promise<boolean>;
}

/** DI token of the app's `ResponseStore`. */
export const RESPONSE_STORE = Symbol('RESPONSE_STORE');
