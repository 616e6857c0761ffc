import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import pino from 'pino';
import type { AllConfig, AppConfig } from './config/app.config';
import { describeStartupFailure } from './config/configuration-error';
import { createServer } from './server/create-server';
import { enableGracefulShutdown } from './server/graceful-shutdown';
import { startTracing } from './tracing/tracing';

async function bootstrap(): Promise<void> {
  // First, from the OTEL_* variables (off without an endpoint); createServer would start it too, for library users.
  await startTracing();
  const app = await createServer();
  // Every line goes through the app's logger, so LOG_FORMAT=json means every line is JSON.
  const logger = new Logger('Main');
  routeProcessWarnings(logger);
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const { port, host } = config.get<AppConfig>('app');
  await app.listen(port, host);
  // The bound address, not the configured one (PORT=0 picks a free port).
  logger.log(`chat-agent-server listening on ${await app.getUrl()} (docs at /docs)`);

  // Not enableShutdownHooks(): Nest's would close the server at once, cutting streams.
  enableGracefulShutdown(app);
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
  const message = describeStartupFailure(error);
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
