import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as received, decoded from OTLP/JSON into plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP's enum: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  startNs: bigint;
  endNs: bigint;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  resource: Record<string, unknown>;
  scope: string;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: KeyValue[];
  events?: Array<{ name: string; attributes?: KeyValue[] }>;
  status?: { code?: number; message?: string };
}
interface ExportTraceServiceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }>;
  }>;
}

/**
 * A real OTLP/HTTP trace receiver for tests: it accepts what an exporter POSTs to `/v1/traces`. With
 * `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` (ExportTraceServiceRequest as JSON, ids in hex) it decodes and keeps the
 * spans; protobuf bodies (the default protocol) are kept raw in `exports`.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Every export received: its path, content type and raw body. */
  readonly exports: Array<{ path: string; contentType?: string; body: Buffer }> = [];
  private server?: Server;

  /** Starts on a free loopback port; resolves with the base URL to use as OTEL_EXPORTER_OTLP_ENDPOINT. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const contentType = req.headers['content-type'];
        this.exports.push({ path: req.url ?? '', contentType, body });
        try {
          if (req.method !== 'POST' || req.url !== '/v1/traces') {
            throw new Error(`unexpected ${req.method} ${req.url}`);
          }
          if (contentType === 'application/x-protobuf') {
            // Kept raw (no protobuf decoder here): an empty ExportTraceServiceResponse is zero bytes.
            res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
            return;
          }
          this.accept(JSON.parse(body.toString('utf8')) as ExportTraceServiceRequest);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (error) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: String(error) }));
        }
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The spans of one trace, once `done` says they have all arrived (export is batched, hence the wait). */
  async waitFor(done: (spans: ReceivedSpan[]) => boolean, what: string, timeoutMs = 10_000): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.spans)) {
      if (Date.now() > deadline) {
        throw new Error(`spans never arrived: ${what}; received: ${this.spans.map((s) => s.name).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return this.spans;
  }

  private accept(request: ExportTraceServiceRequest): void {
    for (const resourceSpans of request.resourceSpans ?? []) {
      const resource = toRecord(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
            kind: span.kind,
            attributes: toRecord(span.attributes),
            status: { code: span.status?.code ?? 0, message: span.status?.message },
            startNs: BigInt(span.startTimeUnixNano),
            endNs: BigInt(span.endTimeUnixNano),
            events: (span.events ?? []).map((event) => ({ name: event.name, attributes: toRecord(event.attributes) })),
            resource,
            scope: scopeSpans.scope?.name ?? '',
          });
        }
      }
    }
  }
}

/** The spans whose parent is `parent`. */
export const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((span) => span.parentSpanId === parent.spanId);

/** Spans in the order they started. */
export function inStartOrder(spans: ReceivedSpan[]): ReceivedSpan[] {
  return [...spans].sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
}

function toRecord(attributes: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, toValue(value)]));
}

function toValue(value: AnyValue): unknown {
  if (value.stringValue !== undefined) {
    return value.stringValue;
  }
  if (value.boolValue !== undefined) {
    return value.boolValue;
  }
  if (value.intValue !== undefined) {
    return Number(value.intValue);
  }
  if (value.doubleValue !== undefined) {
    return value.doubleValue;
  }
  if (value.arrayValue) {
    return (value.arrayValue.values ?? []).map(toValue);
  }
  if (value.kvlistValue) {
    return toRecord(value.kvlistValue.values);
  }
  return undefined;
}
