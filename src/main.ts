import { ConfigService } from '@nestjs/config';
import type { AllConfig, AppConfig } from './config/app.config';
import { createServer } from './server/create-server';

async function bootstrap(): Promise<void> {
  const app = await createServer();
  app.enableShutdownHooks();
  const { port, host } = app.get<ConfigService<AllConfig, true>>(ConfigService).get<AppConfig>('app');
  await app.listen(port, host);
  console.log(`chat-agent-server listening on http://${host}:${port} (docs at /docs)`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
