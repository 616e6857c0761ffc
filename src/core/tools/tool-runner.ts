import type { ChatMessage, ToolCall } from '../types';
import { errorOutcome } from './function-tool';
import type { AgentTool, ToolOutcome } from './tool';
import { traceToolCall } from '../tracing/tool-call.tracing'; // tracing hook

export interface ToolCallResult {
  call: ToolCall;
  outcome: ToolOutcome;
}

/**
 * Runs the agent's own calls of one model turn concurrently (a model asks for several calls in one turn precisely
 * because they are independent) and returns the results in call order. Never throws: a tool that fails or is
 * missing yields an error result for the model.
 */
export async function runToolCalls(
  calls: ToolCall[],
  tools: ReadonlyMap<string, AgentTool>,
  signal: AbortSignal,
): Promise<ToolCallResult[]> {
  return Promise.all(
    calls.map(async (call): Promise<ToolCallResult> => {
      const tool = tools.get(call.name);
      if (!tool) {
        return { call, outcome: errorOutcome(`There is no tool named '${call.name}'.`) };
      }
      try {
        const invoke = () => tool.invoke(call.arguments, { signal, toolCallId: call.id });
        return { call, outcome: await traceToolCall(call, tool, signal, invoke) }; // tracing hook
      } catch (error) {
        // `invoke` should not throw; a custom AgentTool that does still must not fail the request.
        return {
          call,
          outcome: errorOutcome(`'${call.name}' failed: ${error instanceof Error ? error.message : String(error)}`),
        };
      }
    }),
  );
}

export function toToolMessage(result: ToolCallResult): ChatMessage {
  return { role: 'tool', toolCallId: result.call.id, content: result.outcome.content };
}
