import { ConfigService } from '@nestjs/config';
import type { AllConfig, AppConfig } from './config/app.config';
import { describeStartupFailure } from './config/configuration-error';
import { createServer } from './server/create-server';
import { enableGracefulShutdown } from './server/graceful-shutdown';

async function bootstrap(): Promise<void> {
  const app = await createServer();
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const { port, host } = config.get<AppConfig>('app');
  await app.listen(port, host);
  // The bound address, not the configured one (PORT=0 picks a free port).
  console.log(`chat-agent-server listening on ${await app.getUrl()} (docs at /docs)`);

  // Not enableShutdownHooks(): Nest's would close the server at once, cutting streams.
  enableGracefulShutdown(app);
}

bootstrap().catch((error: unknown) => {
  console.error(describeStartupFailure(error));
  process.exit(1);
});
