import { ConfigService } from '@nestjs/config';
import type { AllConfig, AppConfig, ServerConfig } from './config/app.config';
import { describeStartupFailure } from './config/configuration-error';
import { createServer } from './server/create-server';
import { gracefulShutdown } from './server/graceful-shutdown';

async function bootstrap(): Promise<void> {
  const app = await createServer();
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const { port, host } = config.get<AppConfig>('app');
  const { shutdownDrainMs } = config.get<ServerConfig>('server');
  await app.listen(port, host);
  // The bound address, not the configured one (PORT=0 picks a free port).
  console.log(`chat-agent-server listening on ${await app.getUrl()} (docs at /docs)`);

  // Our own handlers instead of enableShutdownHooks(): Nest's would close the server at once, cutting streams.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now": skip the drain.
      console.log(`${signal} received again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal} received: shutting down`);
    gracefulShutdown(app, shutdownDrainMs).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

bootstrap().catch((error: unknown) => {
  console.error(describeStartupFailure(error));
  process.exit(1);
});
