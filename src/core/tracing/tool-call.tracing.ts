import { context, SpanKind } from '@opentelemetry/api';
import type { AgentTool, ToolOutcome } from '../tools/tool';
import type { ToolCall } from '../types';
import { GEN_AI } from './gen-ai-attributes';
import { parsedJson } from './gen-ai-messages.mapper';
import {
  captureMessageContent,
  contextWith,
  endWithError,
  errorType,
  isLive,
  stoppedEarlyType,
  tracer,
} from './tracer';

/**
 * One of the agent's own tool calls inside an `execute_tool {tool}` span (INTERNAL), under the run's span. The tool
 * runs in the span's context, so whatever it calls (an instrumented HTTP client, an MCP server) nests under it.
 * `error.type` is `tool_error` for an error outcome (tools report failures as results), the error's class when the
 * tool threw, `cancelled` when the run was aborted meanwhile. Without tracing, `invoke()` and nothing else.
 */
export function traceToolCall(
  call: ToolCall,
  tool: AgentTool,
  signal: AbortSignal,
  invoke: () => Promise<ToolOutcome>,
): Promise<ToolOutcome> {
  const span = tracer.startSpan(`execute_tool ${call.name}`, {
    kind: SpanKind.INTERNAL,
    attributes: { [GEN_AI.operationName]: 'execute_tool', [GEN_AI.toolName]: call.name },
  });
  if (!isLive(span)) {
    return invoke();
  }
  const capture = span.isRecording() && captureMessageContent();
  if (span.isRecording()) {
    span.setAttributes({
      [GEN_AI.toolCallId]: call.id,
      // The convention's `extension`: a tool executed on the agent's side (`function` is one the client runs).
      [GEN_AI.toolType]: 'extension',
      [GEN_AI.toolDescription]: tool.definition.description,
    });
    if (capture) {
      span.setAttribute(GEN_AI.toolCallArguments, JSON.stringify(parsedJson(call.arguments)));
    }
  }
  return context.with(contextWith(span), invoke).then(
    (outcome) => {
      if (capture) {
        span.setAttribute(GEN_AI.toolCallResult, JSON.stringify(parsedJson(outcome.content)));
      }
      if (signal.aborted) {
        endWithError(span, stoppedEarlyType(signal));
      } else if (outcome.isError) {
        endWithError(span, 'tool_error');
      } else {
        span.end();
      }
      return outcome;
    },
    (error: unknown) => {
      endWithError(span, errorType(error, signal));
      throw error;
    },
  );
}
