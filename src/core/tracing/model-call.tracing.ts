import { type Attributes, context, type Span, SpanKind } from '@opentelemetry/api';
import type { ModelBackend } from '../model-backend';
import type { CallOptions, ModelRequest, ModelResult, ModelStreamEvent, ToolCall, Usage } from '../types';
import { GEN_AI } from './gen-ai-attributes';
import { inputMessagesJson, outputMessagesJson } from './gen-ai-messages.mapper';
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

type FinishEvent = Extract<ModelStreamEvent, { type: 'finish' }>;

/**
 * `model.stream(request)` inside a `chat {model}` span (CLIENT): the request's settings, time to first chunk,
 * finish reason, usage, response id and model; `error.type` when it fails or is cut off. The backend's body runs in
 * the span's context, so the upstream request carries its `traceparent` (traceHeaders()). Without tracing, the
 * backend's own iterable, untouched.
 */
export function traceModelStream(
  model: ModelBackend,
  request: ModelRequest,
  options: CallOptions,
): AsyncIterable<ModelStreamEvent> {
  const span = startChatSpan(model, request, true);
  if (!span) {
    return model.stream(request, options);
  }
  const ctx = contextWith(span);
  const startedAt = performance.now();
  const output = span.isRecording() && captureMessageContent() ? new StreamedOutput() : undefined;
  let firstChunk = true;
  let finish: FinishEvent | undefined;
  const events = context.with(ctx, () => model.stream(request, options));
  return new TracedGenerator<ModelStreamEvent, unknown>(events, ctx, {
    onValue(event) {
      if (firstChunk) {
        firstChunk = false;
        span.setAttribute(GEN_AI.responseTimeToFirstChunk, (performance.now() - startedAt) / 1000);
      }
      if (event.type === 'finish') {
        finish = event;
      } else {
        output?.add(event);
      }
    },
    onDone: () => endChat(span, model, finish, output),
    // The agent stops reading once it has the `finish` event; before it, the stream was cut short.
    onReturn: () =>
      finish ? endChat(span, model, finish, output) : endWithError(span, stoppedEarlyType(options.signal)),
    onError: (error) => endWithError(span, errorType(error, options.signal)),
  });
}

/** `model.generate(request)` inside a `chat {model}` span, as `traceModelStream` does for a stream. */
export function traceModelGenerate(
  model: ModelBackend,
  request: ModelRequest,
  options: CallOptions,
): Promise<ModelResult> {
  const span = startChatSpan(model, request, false);
  if (!span) {
    return model.generate(request, options);
  }
  return context
    .with(contextWith(span), () => model.generate(request, options))
    .then(
      (result) => {
        const output = span.isRecording() && captureMessageContent() ? new StreamedOutput() : undefined;
        if (output) {
          output.text = result.content ?? '';
          output.calls = result.toolCalls;
        }
        endChat(span, model, { type: 'finish', ...result }, output);
        return result;
      },
      (error: unknown) => {
        endWithError(span, errorType(error, options.signal));
        throw error;
      },
    );
}

/** The backend's `providerName`, else `openai`: every backend here without one speaks OpenAI's API. */
export function providerNameOf(model: ModelBackend): string {
  return model.providerName ?? 'openai';
}

function startChatSpan(model: ModelBackend, request: ModelRequest, streaming: boolean): Span | undefined {
  // The attributes a sampler may look at are given at creation, as the convention asks.
  const span = tracer.startSpan(`chat ${model.modelName}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      [GEN_AI.operationName]: 'chat',
      [GEN_AI.providerName]: providerNameOf(model),
      [GEN_AI.requestModel]: model.modelName,
    },
  });
  if (!isLive(span)) {
    return undefined;
  }
  if (span.isRecording()) {
    span.setAttributes(requestAttributes(request, streaming));
    if (captureMessageContent()) {
      span.setAttribute(GEN_AI.inputMessages, inputMessagesJson(request.messages));
    }
  }
  return span;
}

/** The request's settings, as `gen_ai.request.*` (shared with the `invoke_agent` span). */
export function requestAttributes(request: Omit<ModelRequest, 'messages'>, streaming?: boolean): Attributes {
  const attributes: Attributes = {
    [GEN_AI.requestTemperature]: request.temperature,
    [GEN_AI.requestMaxTokens]: request.maxTokens,
    [GEN_AI.requestTopP]: request.topP,
    [GEN_AI.requestStopSequences]: request.stop,
    [GEN_AI.requestSeed]: request.seed,
    [GEN_AI.requestPresencePenalty]: request.presencePenalty,
    [GEN_AI.requestFrequencyPenalty]: request.frequencyPenalty,
  };
  if (streaming) {
    attributes[GEN_AI.requestStream] = true;
  }
  if (request.responseFormat) {
    attributes[GEN_AI.outputType] = request.responseFormat.type === 'text' ? 'text' : 'json';
  }
  return attributes;
}

/** `gen_ai.usage.*`: only what the backend reported (the agent's own estimates are not the model's count). */
export function usageAttributes(usage: Usage | undefined): Attributes {
  return usage
    ? { [GEN_AI.usageInputTokens]: usage.promptTokens, [GEN_AI.usageOutputTokens]: usage.completionTokens }
    : {};
}

function endChat(span: Span, model: ModelBackend, finish: FinishEvent | undefined, output?: StreamedOutput): void {
  if (finish) {
    span.setAttributes({
      [GEN_AI.responseModel]: finish.responseModel ?? model.modelName,
      [GEN_AI.responseId]: finish.responseId,
      [GEN_AI.responseFinishReasons]: [finish.finishReason],
      ...usageAttributes(finish.usage),
    });
    if (output) {
      span.setAttribute(
        GEN_AI.outputMessages,
        outputMessagesJson(output.text, output.calls.filter(Boolean), finish.finishReason),
      );
    }
  }
  span.end();
}

/** The model's reply assembled from stream deltas, for the opt-in output messages. */
class StreamedOutput {
  text = '';
  calls: ToolCall[] = [];

  add(event: Exclude<ModelStreamEvent, FinishEvent>): void {
    if (event.type === 'text') {
      this.text += event.text;
      return;
    }
    const call = (this.calls[event.index] ??= { id: '', name: '', arguments: '' });
    call.id = event.id ?? call.id;
    call.name = event.name ?? call.name;
    call.arguments += event.arguments ?? '';
  }
}
