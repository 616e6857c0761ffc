import type { Observable } from 'rxjs';
import type { AgentStreamEvent } from '../core/chat-agent';
import type { ContentPart } from '../core/types';
import type { RequestContext } from '../request-context/request-context';

/** One turn of a conversation another protocol (MCP, A2A) keeps in this store: a user message, and whose it is. */
export interface ConversationTurn {
  /** The served agent. */
  model: string;
  /** The user's message: text, or parts (images) as the agent takes them. */
  message: string | ContentPart[];
  /** The conversation continued: the id of its latest response. None starts a new one. */
  conversationId?: string;
  /** As for the Responses API: the API key's digest (`keyOwner`), so only that key continues it. */
  owner?: string;
  scope?: RequestContext;
}

/** A turn under way: the id that continues the conversation after it, and the agent's events. */
export interface ConversationRun {
  conversationId: string;
  /** Completes once the turn is stored; unsubscribing aborts the agent. */
  events$: Observable<AgentStreamEvent>;
}
