import { type DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { Request, Response } from 'express';
import { LoggerModule } from 'nestjs-pino';
import { AgentModule, type AgentsOption } from './agent/agent.module';
import { AuthModule } from './auth/auth.module';
import { ChatCompletionsModule } from './chat-completions/chat-completions.module';
import { OpenAiExceptionFilter } from './common/filters/openai-exception.filter';
import { validationOptions } from './common/validation/validation-options';
import {
  agentConfig,
  type AllConfig,
  type AppConfig,
  appConfig,
  type ServerConfig,
  serverConfig,
} from './config/app.config';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ModelsModule } from './models/models.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RedisModule } from './redis/redis.module';
import { ToolTurnStoreModule } from './redis/tool-turn-store.module';
import { requestContextOf, requestFields } from './request-context/request-context';
import { RequestContextModule } from './request-context/request-context.module';

export interface AppModuleOptions {
  /** Agents built in code; without them one agent is built from the environment. */
  agents?: AgentsOption;
}

/** Probes and scrapes are logged at debug, so a request log is about requests. */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, load: [appConfig, agentConfig, serverConfig], ignoreEnvFile: true }),
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<AllConfig, true>) => ({
            pinoHttp: {
              level: config.get<AppConfig>('app').logLevel,
              transport:
                config.get<ServerConfig>('server').logFormat === 'pretty'
                  ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } }
                  : undefined,
              redact: {
                paths: [
                  'req.headers.authorization',
                  'req.headers["x-api-key"]',
                  'req.headers["api-key"]',
                  'req.headers.cookie',
                ],
                censor: '[redacted]',
              },
              // On every line of the request (and again on its final line, with what the request spent).
              customProps: (req, res) => requestLogFields(req as Request, res as Response),
              customLogLevel: (req, res, error) => {
                if (error || res.statusCode >= 500) {
                  return 'error';
                }
                if (QUIET_PATHS.has((req as Request).path)) {
                  return 'debug';
                }
                return res.statusCode >= 400 ? 'warn' : 'info';
              },
              customErrorObject: (_req, _res, _error, value: Record<string, unknown>) => value,
            },
          }),
        }),
        RedisModule,
        MetricsModule,
        RequestContextModule,
        AgentModule.forRoot(options.agents),
        ToolTurnStoreModule,
        // Guards run in this order: who is asking, then how much they may ask.
        AuthModule,
        RateLimitModule,
        ChatCompletionsModule,
        ModelsModule,
        HealthModule,
      ],
      providers: [
        // Registered through DI (not main.ts) so every app built from this module, tests included, gets them.
        { provide: APP_PIPE, useValue: new ValidationPipe(validationOptions) },
        { provide: APP_FILTER, useClass: OpenAiExceptionFilter },
      ],
    };
  }
}

/**
 * Request id, model and stream flag on every line of the request; on its final line also the token usage and
 * time to first token (pino-http asks again when the response is done).
 */
function requestLogFields(req: Request, res: Response): Record<string, unknown> {
  const context = requestContextOf(req);
  if (res.writableEnded || res.destroyed) {
    const firstToken = context?.firstTokenAt;
    return {
      usage: context?.usage,
      timeToFirstTokenMs: firstToken === undefined ? undefined : Math.round(firstToken - context!.startedAt),
    };
  }
  return { requestId: context?.id, ...requestFields(req) };
}
