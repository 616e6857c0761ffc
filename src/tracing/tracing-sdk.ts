import { diag, type DiagLogger, DiagLogLevel, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { Logger } from '@nestjs/common';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { otlpProtocol } from './tracing-env';

export interface TracingSdk {
  /** Exports the spans still queued (before the process exits). */
  flush(): Promise<void>;
}

/**
 * The OpenTelemetry SDK as the OTEL_* variables describe it, registered globally: an OTLP/HTTP exporter (endpoint,
 * headers, timeout, compression from OTEL_EXPORTER_OTLP_*), a batch processor (OTEL_BSP_*), the sampler
 * (OTEL_TRACES_SAMPLER/_ARG), the resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, host and process), the
 * W3C trace-context and baggage propagators and the AsyncLocalStorage context manager. Loaded only when tracing is
 * on. Returns undefined when the application registered a tracer provider of its own: that one stays in charge.
 */
export async function startTracingSdk(): Promise<TracingSdk | undefined> {
  const logger = new Logger('Tracing');
  if (providerRegistered()) {
    logger.log('A tracer provider is already registered: using it, not starting one from OTEL_* variables');
    return undefined;
  }
  diag.setLogger(diagLogger(), diagLevel(process.env.OTEL_LOG_LEVEL));
  const protocol = otlpProtocol();
  const exporter: SpanExporter =
    protocol === 'http/json'
      ? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter()
      : new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  // Ours first, then the SDK's detectors: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'chat-agent-server' }))
    .merge(detectResources({ detectors: [hostDetector, processDetector, envDetector] }));
  // Settled now (the host id is read asynchronously), so no export has to wait for it, one at shutdown included.
  await resource.waitForAsyncAttributes?.();
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  logger.log(`Exporting traces over OTLP (${protocol})`);
  return {
    // The processor's flush sends what is queued but does not wait for a batch its timer already sent; the
    // exporter's does.
    flush: async () => {
      await provider.forceFlush();
      await exporter.forceFlush?.();
    },
  };
}

function providerRegistered(): boolean {
  const current = trace.getTracerProvider();
  return !(current instanceof ProxyTracerProvider) || current.getDelegateTracer('chat-agent-server') !== undefined;
}

/**
 * The SDK's own warnings (an unreachable collector, a bad variable) go to the service's log. A Logger per message:
 * one kept from before the app exists would stay on Nest's console logger instead of the app's pino.
 */
function diagLogger(): DiagLogger {
  const logger = () => new Logger('OpenTelemetry');
  return {
    error: (message) => logger().error(message),
    warn: (message) => logger().warn(message),
    info: (message) => logger().log(message),
    debug: (message) => logger().debug(message),
    verbose: (message) => logger().verbose(message),
  };
}

/** OTEL_LOG_LEVEL as the specification names its values; default `info`. */
function diagLevel(value: string | undefined): DiagLogLevel {
  switch (value?.trim().toLowerCase() ?? '') {
    case 'none':
      return DiagLogLevel.NONE;
    case 'error':
      return DiagLogLevel.ERROR;
    case 'warn':
      return DiagLogLevel.WARN;
    case 'debug':
      return DiagLogLevel.DEBUG;
    case 'verbose':
      return DiagLogLevel.VERBOSE;
    case 'all':
      return DiagLogLevel.ALL;
    default:
      return DiagLogLevel.INFO;
  }
}
