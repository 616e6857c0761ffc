import type { Message } from '@ag-ui/core';

/** One line of the transcript as the page shows it (the AG-UI messages alone lack durations and stats). */
export type Item =
  | { kind: 'user'; text: string }
  | { kind: 'assistant'; id: string; text: string }
  | {
      kind: 'tool';
      id: string;
      name: string;
      args: string;
      result?: string;
      durationMs?: number;
      /** Run by this page (a front-end tool), not by the agent on the server. */
      frontEnd: boolean;
    }
  | { kind: 'stats'; text: string }
  | { kind: 'error'; text: string };

export interface Conversation {
  id: string;
  title: string;
  agentId: string;
  /** The AG-UI history sent with the next run (tool call ids included, so mixed turns resume). */
  messages: Message[];
  items: Item[];
  updatedAt: number;
}

const KEY = 'agent-playground.conversations';
const SETTINGS = 'agent-playground.settings';

export interface Settings {
  apiKey: string;
  systemMessage: string;
  temperature: string;
  agentId: string;
}

export function loadConversations(): Conversation[] {
  try {
    const raw = localStorage.getItem(KEY);
    const parsed = raw ? (JSON.parse(raw) as Conversation[]) : [];
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

export function saveConversations(conversations: Conversation[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(conversations));
  } catch {
    // Storage full or disabled: the conversation still lives in this tab.
  }
}

export function loadSettings(): Settings {
  const defaults: Settings = { apiKey: '', systemMessage: '', temperature: '', agentId: '' };
  try {
    return { ...defaults, ...(JSON.parse(localStorage.getItem(SETTINGS) ?? '{}') as Partial<Settings>) };
  } catch {
    return defaults;
  }
}

export function saveSettings(settings: Settings): void {
  try {
    localStorage.setItem(SETTINGS, JSON.stringify(settings));
  } catch {
    // As above.
  }
}

export function newConversation(agentId: string): Conversation {
  return { id: crypto.randomUUID(), title: 'New chat', agentId, messages: [], items: [], updatedAt: Date.now() };
}
