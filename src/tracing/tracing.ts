import { tracingRequested } from './tracing-env';
import type { TracingSdk } from './tracing-sdk';

let sdk: Promise<TracingSdk | undefined> | undefined;

/**
 * Starts tracing once per process when the OTEL_* variables ask for it (tracingRequested), and says whether our SDK
 * is running. Called by main.ts before anything else and by createServer (for library users), before the server
 * handles a request. When tracing is off nothing is loaded: the SDK's modules are imported only here, on demand.
 */
export async function startTracing(): Promise<boolean> {
  if (!sdk && tracingRequested()) {
    // A failed start (a bad OTEL_* value) fails this call and every later one: the service must not run half-set.
    sdk = import('./tracing-sdk.js').then(({ startTracingSdk }) => startTracingSdk());
  }
  return (await sdk) !== undefined;
}

/** Exports the queued spans, if our SDK runs; on shutdown, so the last requests' spans are not lost. */
export async function flushTracing(): Promise<void> {
  await (await sdk?.catch(() => undefined))?.flush();
}
