import { type DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AgentModule, type AgentsOption } from './agent/agent.module';
import { ChatCompletionsModule } from './chat-completions/chat-completions.module';
import { OpenAiExceptionFilter } from './common/filters/openai-exception.filter';
import { validationOptions } from './common/validation/validation-options';
import { agentConfig, type AllConfig, type AppConfig, appConfig } from './config/app.config';
import { HealthModule } from './health/health.module';
import { ModelsModule } from './models/models.module';

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
        ConfigModule.forRoot({ isGlobal: true, load: [appConfig, agentConfig], ignoreEnvFile: true }),
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<AllConfig, true>) => ({
            pinoHttp: {
              level: config.get<AppConfig>('app').logLevel,
              redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]'], censor: '[redacted]' },
              customErrorObject: (_req, _res, _error, value: Record<string, unknown>) => value,
            },
          }),
        }),
        AgentModule.forRoot(options.agents),
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
