import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from '../app.module';
import { provideServerFactory } from '../core/chat-agent';
import { OpenAiExceptionFilter } from '../common/filters/openai-exception.filter';
import { parseJsonBody } from '../common/http/json-body.middleware';
import { normalizePath } from '../common/http/normalize-path';
import { precomputeHeaders } from '../common/http/precomputed-headers';
import { requireJsonBody } from '../common/http/require-json-body';
import { type AllConfig, type AppConfig, type ServerConfig, validateEnvironment } from '../config/app.config';
import { RequestContextMiddleware } from '../request-context/request-context.middleware';
import { startTracing } from '../tracing/tracing';
import { createOpenApiDocument } from './openapi-document';

export type ServerOptions = AppModuleOptions;

declare module '../core/chat-agent' {
  interface ServerTypes {
    app: NestExpressApplication;
  }
}

/** Headers a browser client may read from our responses (CORS). */
const EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'retry-after-ms',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
];

/**
 * Builds the whole service as a Nest application, initialized and ready for `listen()`. Used by `main.ts`, by
 * `ChatAgent.toOpenAICompatibleServer()` and by the end-to-end tests, so all three run the same thing.
 */
export async function createServer(options: ServerOptions = {}): Promise<NestExpressApplication> {
  // A wrong setting fails here with one plain message, before Nest would log it with a stack.
  validateEnvironment(process.env);
  // Before the app exists, so its first request is traced; a no-op unless OTEL_* variables ask for traces.
  const tracing = await startTracing();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bodyParser: false,
    bufferLogs: true,
    // If the module cannot be built (a configuration error), the caller gets the error; Nest's buffered log of it
    // (colour codes and a stack, printed before our own message) is dropped instead of flushed.
    autoFlushLogs: false,
    // A library must throw to its caller, not exit the caller's process.
    abortOnError: false,
    // app.close() ends open connections instead of waiting on them (an idle keep-alive lasts KEEP_ALIVE_TIMEOUT_MS,
    // a client that stopped reading forever). Draining running work first is gracefulShutdown()'s job.
    forceCloseConnections: true,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  const configService = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const server = configService.get<ServerConfig>('server');
  await useMiddleware(app, configService.get<AppConfig>('app'), server, tracing);
  // Built on the first request for it (then kept): an idle server does not hold the document and what builds it.
  SwaggerModule.setup('docs', app, () => createOpenApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });

  await app.init();

  // Errors raised by Express middleware (the body parser: bad JSON, 413) never reach Nest's filters; this handler,
  // added after the routes, gives them the same OpenAI error body.
  const filter = new OpenAiExceptionFilter();
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) =>
    filter.catch(error, { switchToHttp: () => ({ getResponse: () => res, getRequest: () => req }) } as never),
  );

  // Streams can be long and quiet; keep idle connections open longer than the load balancer in front (its idle
  // timeout, typically 60 s), so it never reuses a connection we are closing.
  const httpServer = app.getHttpServer();
  httpServer.keepAliveTimeout = server.keepAliveTimeoutMs;
  httpServer.headersTimeout = server.headersTimeoutMs;
  return app;
}

/**
 * Everything every request goes through before its route, in order: the request's span first when tracing (it covers
 * all the rest), paths (limits and logs see the real route), then the request id and context (so every answer carries
 * the id, a CORS or 413 one too), CORS, security headers, and last the body parser with our limit, behind a check that
 * the body is JSON at all.
 */
async function useMiddleware(
  app: NestExpressApplication,
  config: AppConfig,
  server: ServerConfig,
  tracing: boolean,
): Promise<void> {
  // Express hashes every response body for an ETag; completions are never revalidated, so that is pure cost.
  app.set('etag', false);
  if (server.trustProxy !== undefined) {
    app.set('trust proxy', server.trustProxy);
  }
  if (tracing) {
    // Loaded only when tracing: without it, nothing of OpenTelemetry's is on the request path.
    app.use((await import('../tracing/http-server-span.middleware.js')).httpServerSpan);
  }
  app.use(normalizePath);
  app.use(app.get(RequestContextMiddleware).start);
  if (server.corsOrigins) {
    app.enableCors({
      origin: server.corsOrigins.includes('*') ? '*' : server.corsOrigins,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }
  // Helmet's defaults suit an API and the Swagger UI (its scripts and styles are served from /docs itself); SSE
  // is unaffected. Two exceptions: cross-origin reads are CORS's job here, and `upgrade-insecure-requests` would
  // make a browser fetch the /docs assets over https from a server that speaks plain http (TLS ends at the proxy).
  // Its headers are the same on every response, so they are computed once (precomputeHeaders).
  app.use(
    precomputeHeaders(
      helmet({
        crossOriginResourcePolicy: false,
        contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      }),
    ),
  );
  app.use(requireJsonBody);
  // body-parser reads the bytes (limit, Content-Encoding); our parser bounds their shape and parses them, a large
  // body in slices (json-body.middleware.ts).
  app.useBodyParser('raw', { type: 'application/json', limit: config.bodyLimit });
  app.use(parseJsonBody);
}

provideServerFactory((agents) => createServer({ agents }));
