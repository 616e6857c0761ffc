import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from '../app.module';
import { OpenAiExceptionFilter } from '../common/filters/openai-exception.filter';
import { normalizePath } from '../common/http/normalize-path';
import type { AllConfig, AppConfig } from '../config/app.config';

export type ServerOptions = AppModuleOptions;

/**
 * Builds the whole service as a Nest application, initialized and ready for `listen()`. Used by `main.ts`, by
 * `ChatAgent.toOpenAICompatibleServer()` and by the end-to-end tests, so all three run the same thing.
 */
export async function createServer(options: ServerOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bodyParser: false,
    bufferLogs: true,
    // A library must throw to its caller, not exit the caller's process.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService).get<AppConfig>('app');

  // Before any route: path normalization, then the body parser with our limit.
  app.use(normalizePath);
  app.useBodyParser('json', { limit: config.bodyLimit });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('chat-agent-server')
      .setDescription('An agent served as an OpenAI-compatible API.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });

  await app.init();

  // Errors raised by Express middleware (the body parser: bad JSON, 413) never reach Nest's filters; this handler,
  // added after the routes, gives them the same OpenAI error body.
  const filter = new OpenAiExceptionFilter();
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    filter.catch(error, {
      switchToHttp: () => ({ getResponse: () => res, getRequest: () => req }),
    } as never);
  });

  // Streams can be long and quiet; keep idle connections open longer than a typical load balancer (60 s).
  const server = app.getHttpServer();
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return app;
}
