import type { ChatAgent } from '../core/chat-agent';

/** DI token for the agents this server serves, keyed by the model id clients pass as `model`. */
export const SERVED_AGENTS = Symbol('SERVED_AGENTS');

export type ServedAgents = ReadonlyMap<string, ChatAgent>;
