import { ConfigService } from '@nestjs/config';
import type { AllConfig, AppConfig, ServerConfig } from './config/app.config';
import { createServer } from './server/create-server';
import { gracefulShutdown } from './server/graceful-shutdown';

async function bootstrap(): Promise<void> {
  const app = await createServer();
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const { port, host } = config.get<AppConfig>('app');
  const { shutdownDrainMs } = config.get<ServerConfig>('server');
  await app.listen(port, host);
  console.log(`chat-agent-server listening on http://${host}:${port} (docs at /docs)`);

  // Our own handlers instead of enableShutdownHooks(): Nest's would close the server at once, cutting streams.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
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
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
