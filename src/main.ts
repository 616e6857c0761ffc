import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import pino from 'pino';
import type { AllConfig, AppConfig, ServerConfig } from './config/app.config';
import { createServer } from './server/create-server';
import { gracefulShutdown } from './server/graceful-shutdown';

async function bootstrap(): Promise<void> {
  const app = await createServer();
  // Every line goes through the app's logger, so LOG_FORMAT=json means every line is JSON.
  const logger = new Logger('Main');
  routeProcessWarnings(logger);
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const { port, host } = config.get<AppConfig>('app');
  const { shutdownDrainMs } = config.get<ServerConfig>('server');
  await app.listen(port, host);
  // The bound address, not the configured one (PORT=0 picks a free port).
  logger.log(`chat-agent-server listening on ${await app.getUrl()} (docs at /docs)`);

  // Our own handlers instead of enableShutdownHooks(): Nest's would close the server at once, cutting streams.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now": skip the drain.
      logger.warn(`${signal} received again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logger.log(`${signal} received: shutting down`);
    gracefulShutdown(app, shutdownDrainMs).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * Node prints its warnings (deprecations, MaxListenersExceeded...) to stderr as plain text; they go to the logger
 * instead, as one structured line each. Node's own printer is the only 'warning' listener before ours.
 */
function routeProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    logger.warn({ warning: { name: warning.name, message: warning.message, stack: warning.stack } }, warning.message);
  });
}

bootstrap().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  // The app (and its logger) may not exist: an invalid configuration fails before it does. The format is chosen as
  // the configuration chooses it (app.config.ts).
  const format = process.env.LOG_FORMAT ?? (process.stdout.isTTY && !process.env.CI ? 'pretty' : 'json');
  if (format === 'pretty') {
    console.error(message);
  } else {
    pino().fatal(message);
  }
  process.exit(1);
});
