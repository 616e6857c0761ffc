import { ConfigurationError } from '../config/configuration-error';

/**
 * Whether the standard OTEL_* variables ask for traces: an OTLP endpoint is set (for all signals or for traces),
 * and neither `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none` turns them off. Without an endpoint tracing
 * is off and the SDK is never loaded.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') {
    return false;
  }
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') {
    return false;
  }
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** OTLP over HTTP: protobuf (the specification's default) or JSON. gRPC is refused at start rather than misused. */
export function otlpProtocol(env: NodeJS.ProcessEnv = process.env): OtlpProtocol {
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim();
  if (protocol === '' || protocol === 'http/protobuf') {
    return 'http/protobuf';
  }
  if (protocol === 'http/json') {
    return 'http/json';
  }
  // A configuration error: the service refuses to start with this one message (main.ts).
  throw new ConfigurationError(
    `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: traces are exported over OTLP/HTTP ` +
      `(http/protobuf, the default, or http/json; a collector listens for both on port 4318).`,
  );
}
