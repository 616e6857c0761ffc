import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig, ServerConfig } from '../config/app.config';
import type { Server } from 'node:http';
import { RequestTracker } from '../request-context/request-tracker.service';

/**
 * Stops the server without dropping work: readiness turns false at once and the listener closes (the balancer
 * stops sending, new connections are refused, new requests on open connections get a 503), the running requests
 * get `drainMs` to finish, the ones still running then end with an error (a frame for a stream), and the app
 * closes (Redis connection included).
 */
export async function gracefulShutdown(app: INestApplication, drainMs: number): Promise<void> {
  const logger = new Logger('Shutdown');
  const tracker = app.get(RequestTracker);
  const server = app.getHttpServer() as Server;
  tracker.beginDrain();
  logger.log(`Draining ${tracker.size} running request(s), up to ${drainMs} ms`);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const cut = await tracker.drain(drainMs);
  if (cut > 0) {
    logger.warn(`${cut} request(s) were still running after ${drainMs} ms and were ended`);
  }
  server.closeAllConnections();
  await closed;
  await app.close();
  logger.log('Stopped');
}

export interface GracefulShutdownOptions {
  /** How long running requests and streams may finish; default `SHUTDOWN_DRAIN_MS` (25 s). */
  drainMs?: number;
  /** Default SIGTERM and SIGINT (Ctrl-C). */
  signals?: NodeJS.Signals[];
}

/**
 * Makes the process stop like `npm start` does: on the first signal, `gracefulShutdown()` then exit 0 (1 if it failed);
 * a second signal exits at once. Use it instead of Nest's `app.enableShutdownHooks()`, which closes the server
 * straight away and cuts running streams. Returns a function that removes the handlers.
 */
export function enableGracefulShutdown(app: INestApplication, options: GracefulShutdownOptions = {}): () => void {
  const logger = new Logger('Shutdown');
  const drainMs =
    options.drainMs ??
    app.get<ConfigService<AllConfig, true>>(ConfigService).get<ServerConfig>('server').shutdownDrainMs;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now": skip the drain.
      logger.warn(`${signal} received again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logger.log(`${signal} received: shutting down`);
    gracefulShutdown(app, drainMs).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(error);
        process.exit(1);
      },
    );
  };
  for (const signal of signals) {
    process.on(signal, stop);
  }
  return () => signals.forEach((signal) => process.off(signal, stop));
}
