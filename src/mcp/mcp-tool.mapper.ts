import type { CallToolResult, ProgressNotification } from '@modelcontextprotocol/sdk/types.js';
import type { AgentStreamEvent } from '../core/chat-agent';

/** What a served agent's MCP tool takes. */
export interface AgentToolArguments {
  message: string;
  /** The conversation to continue (a Responses API response id); none starts a new one. */
  conversation_id?: string;
}

/** The tool's structured result: the answer, and the id that continues the conversation after it. */
export interface AgentToolOutput {
  [key: string]: unknown;
  answer: string;
  conversation_id: string;
}

/** MCP tool names: letters, digits, `_`, `-` and `.`, at most 128 (spec 2025-11-25). */
export function toolNameOf(agentId: string): string {
  return agentId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128) || 'agent';
}

export function toolDescriptionOf(agentId: string): string {
  return (
    `Ask the agent '${agentId}': send it a message, get its answer. The agent may use tools of its own to ` +
    'answer; progress is reported while they run.'
  );
}

export function toToolResult(answer: string, conversationId: string): CallToolResult {
  const structuredContent: AgentToolOutput = { answer, conversation_id: conversationId };
  return {
    // The id as a note too, for hosts that show the model only the text.
    content: [
      { type: 'text', text: answer },
      { type: 'text', text: `(conversation_id: ${conversationId}; pass it to continue this conversation)` },
    ],
    structuredContent,
  };
}

export function toToolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/**
 * A progress notification for the agent's own tool runs (each start and end is one step), or undefined for the
 * events a progress bar has nothing to say about.
 */
export function toProgress(
  event: AgentStreamEvent,
  progressToken: string | number,
  step: number,
): ProgressNotification | undefined {
  if (event.type !== 'tool-run') {
    return undefined;
  }
  const names =
    event.phase === 'start' ? event.calls.map((c) => c.name) : event.results.map((result) => result.call.name);
  const message = `${event.phase === 'start' ? 'Running' : 'Finished'} ${names.join(', ')}`;
  return { method: 'notifications/progress', params: { progressToken, progress: step, message } };
}
