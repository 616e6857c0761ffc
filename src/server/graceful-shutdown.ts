import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
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
