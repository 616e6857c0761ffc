import type { CallToolResult, ProgressNotification } from '@modelcontextprotocol/sdk/types.js';
import type { AgentStreamEvent } from '../core/chat-agent';
import type { ChatMessage } from '../core/types';

/** What a served agent's MCP tool takes. */
export interface AgentToolArguments {
  message: string;
  // The seam for `conversation_id`: when a server-side conversation store exists, the tool also takes an optional
  // `conversation_id`, the stored history is prepended in `toAgentMessages`, and the answer is stored under it.
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

export function toAgentMessages(args: AgentToolArguments): ChatMessage[] {
  return [{ role: 'user', content: args.message }];
}

export function toToolResult(answer: string): CallToolResult {
  return { content: [{ type: 'text', text: answer }] };
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
