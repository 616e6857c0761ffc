import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { A2aModule } from './a2a/a2a.module';
import { AgUiModule } from './ag-ui/ag-ui.module';
import { AgentModule, type AgentsOption } from './agent/agent.module';
import { AuthModule } from './auth/auth.module';
import { ChatCompletionsModule } from './chat-completions/chat-completions.module';
import { OpenAiExceptionFilter } from './common/filters/openai-exception.filter';
import { SseModule } from './common/sse/sse.module';
import { FastValidationPipe } from './common/validation/fast-validation.pipe';
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
import { McpModule } from './mcp/mcp.module';
import { MetricsModule } from './metrics/metrics.module';
import { ModelsModule } from './models/models.module';
import { PlaygroundModule } from './playground/playground.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RedisModule } from './redis/redis.module';
import { ToolTurnStoreModule } from './redis/tool-turn-store.module';
import { RequestContextModule } from './request-context/request-context.module';
import { TracingModule } from './tracing/tracing.module';
import { ResponsesModule } from './responses/responses.module';

export interface AppModuleOptions {
  /** Agents built in code; without them one agent is built from the environment. */
  agents?: AgentsOption;
}

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
            // The root logger only: its per-request middleware is off (no routes), RequestContextMiddleware writes
            // the request line (see there why). The redaction covers that line.
            forRoutes: [],
            pinoHttp: {
              // Our request line logs plain `req`/`res` objects, not Node's; pino-http's serializers would read them
              // as Node's. Errors under `err` keep pino's own serializer.
              wrapSerializers: false,
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
            },
          }),
        }),
        RedisModule,
        SseModule,
        MetricsModule,
        RequestContextModule,
        AgentModule.forRoot(options.agents),
        ToolTurnStoreModule,
        // Guards run in this order: who is asking, then how much they may ask.
        AuthModule,
        RateLimitModule,
        ChatCompletionsModule,
        McpModule,
        A2aModule,
        AgUiModule,
        ResponsesModule,
        ModelsModule,
        HealthModule,
        PlaygroundModule,
        TracingModule,
      ],
      providers: [
        // Registered through DI (not main.ts) so every app built from this module, tests included, gets them.
        { provide: APP_PIPE, useValue: new FastValidationPipe(validationOptions) },
        { provide: APP_FILTER, useClass: OpenAiExceptionFilter },
      ],
    };
  }
}
