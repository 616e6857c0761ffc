import type { CallOptions, ModelRequest, ModelResult, ModelStreamEvent } from './types';

/**
 * The one small interface every model backend implements. Backends are stateless per call: the conversation
 * arrives whole in `request.messages`, so one backend instance serves concurrent requests safely.
 */
export interface ModelBackend {
  /** The model name the backend uses upstream (informational; the served id is chosen by the server). */
  readonly modelName: string;
  /** `gen_ai.provider.name` in traces (OpenTelemetry GenAI conventions); default `openai`, the API spoken. */
  readonly providerName?: string;
  generate(request: ModelRequest, options?: CallOptions): Promise<ModelResult>;
  /** Yields events as the model produces them; must end with exactly one `finish` event. */
  stream(request: ModelRequest, options?: CallOptions): AsyncIterable<ModelStreamEvent>;
  /** Readiness: resolves when the backend can serve (e.g. a local model has loaded). */
  ready?(): Promise<void>;
  close?(): Promise<void>;
}

export function isModelBackend(value: unknown): value is ModelBackend {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ModelBackend).generate === 'function' &&
    typeof (value as ModelBackend).stream === 'function'
  );
}
