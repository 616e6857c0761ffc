import { SpanKind } from '@opentelemetry/api';
import type { AgentResponse, AgentStreamEvent } from '../agent-loop';
import type { ModelBackend } from '../model-backend';
import type { ChatMessage } from '../types';
import { GEN_AI } from './gen-ai-attributes';
import { inputMessagesJson, outputMessagesJson, systemInstructionsJson } from './gen-ai-messages.mapper';
import { providerNameOf, usageAttributes } from './model-call.tracing';
import { TracedGenerator } from './traced-generator';
import {
  captureMessageContent,
  contextWith,
  endWithError,
  errorType,
  isLive,
  stoppedEarlyType,
  tracer,
} from './tracer';

/** What the run's span says about the agent. */
export interface TracedAgent {
  readonly name?: string;
  readonly model: ModelBackend;
  readonly systemMessage?: string;
}

type AgentRun = AsyncGenerator<AgentStreamEvent, AgentResponse>;

/**
 * One run of the agent inside an `invoke_agent {name}` span (INTERNAL: the agent runs in this process). Every step of
 * the run executes in the span's context, so its `chat` and `execute_tool` spans are its children; the span ends
 * with the run: the finish reason and the usage of all its model calls, or `error.type` (`cancelled` when the caller
 * stopped reading or aborted). Without tracing, the run itself, untouched.
 */
export function traceAgentRun(
  agent: TracedAgent,
  run: AgentRun,
  messages: ChatMessage[],
  signal?: AbortSignal,
): AgentRun {
  const name = agent.name ? `invoke_agent ${agent.name}` : 'invoke_agent';
  const span = tracer.startSpan(name, {
    kind: SpanKind.INTERNAL,
    attributes: {
      [GEN_AI.operationName]: 'invoke_agent',
      [GEN_AI.providerName]: providerNameOf(agent.model),
      [GEN_AI.agentName]: agent.name,
      [GEN_AI.requestModel]: agent.model.modelName,
    },
  });
  if (!isLive(span)) {
    return run;
  }
  const capture = span.isRecording() && captureMessageContent();
  if (capture) {
    span.setAttribute(GEN_AI.inputMessages, inputMessagesJson(messages));
    if (agent.systemMessage) {
      span.setAttribute(GEN_AI.systemInstructions, systemInstructionsJson(agent.systemMessage));
    }
  }
  return new TracedGenerator(run, contextWith(span), {
    onDone(response) {
      if (response) {
        span.setAttributes({
          [GEN_AI.responseFinishReasons]: [response.finishReason],
          ...usageAttributes(response.usage),
        });
        if (capture) {
          const { content, toolCalls } = response.message;
          const text = typeof content === 'string' ? content : null;
          span.setAttribute(GEN_AI.outputMessages, outputMessagesJson(text, toolCalls, response.finishReason));
        }
      }
      span.end();
    },
    onReturn: () => endWithError(span, stoppedEarlyType(signal)),
    onError: (error) => endWithError(span, errorType(error, signal)),
  });
}
