import type { ToolDefinition } from '../types';

/** What a tool receives besides its arguments. */
export interface ToolContext {
  /** Aborts when the client disconnects or the tool's own timeout elapses; long-running tools should honour it. */
  signal: AbortSignal;
  /** The id of the call being answered. */
  toolCallId: string;
}

/** How one tool call ended; errors are results too, so the model can react instead of the request failing. */
export interface ToolOutcome {
  /** The text the model reads as the tool message. */
  content: string;
  isError: boolean;
}

/**
 * A tool the agent itself runs on the server. `FunctionTool` is the usual implementation; anything with a
 * definition and an `invoke` works.
 */
export interface AgentTool {
  readonly definition: ToolDefinition;
  /**
   * Runs one call. `rawArguments` is the JSON string the model wrote. Must not throw for bad arguments, failures or
   * timeouts: those are reported as an error outcome.
   */
  invoke(rawArguments: string, context: ToolContext): Promise<ToolOutcome>;
}

export function isAgentTool(value: unknown): value is AgentTool {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AgentTool).invoke === 'function' &&
    typeof (value as AgentTool).definition?.name === 'string'
  );
}
