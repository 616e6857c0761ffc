import { registerAs } from '@nestjs/config';
import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Max, Min, MinLength, validateSync } from 'class-validator';

/** The environment the service reads, validated once at start (a typo fails fast, not at the first request). */
export class EnvironmentVariables {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() HOST?: string;
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) OPENAI_BASE_URL?: string;
  @IsOptional() @IsString() OPENAI_API_KEY?: string;
  @IsOptional() @IsString() @MinLength(1) AGENT_MODEL?: string;
  @IsOptional() @IsString() AGENT_SYSTEM_MESSAGE?: string;
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0) @Max(2) AGENT_TEMPERATURE?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) AGENT_MAX_TOKENS?: number;
  @IsOptional() @IsString() @MinLength(1) SERVED_MODEL_NAME?: string;
  @IsOptional() @IsIn(['append', 'replace', 'ignore']) SYSTEM_MESSAGE_POLICY?: 'append' | 'replace' | 'ignore';
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) UPSTREAM_TIMEOUT_MS?: number;
  @IsOptional() @IsString() BODY_LIMIT?: string;
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;
}

export function validateEnvironment(config: Record<string, unknown>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, config, { enableImplicitConversion: false });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return env;
}

export interface AppConfig {
  port: number;
  host: string;
  servedModelName: string;
  systemMessagePolicy: 'append' | 'replace' | 'ignore';
  bodyLimit: string;
  logLevel: string;
}

export interface AgentConfig {
  baseUrl?: string;
  apiKey?: string;
  model: string;
  systemMessage: string;
  temperature?: number;
  maxTokens?: number;
  upstreamTimeoutMs: number;
}

export interface AllConfig {
  app: AppConfig;
  agent: AgentConfig;
}

export const appConfig = registerAs('app', (): AppConfig => {
  const env = validateEnvironment(process.env);
  return {
    port: env.PORT ?? 8000,
    host: env.HOST ?? '0.0.0.0',
    servedModelName: env.SERVED_MODEL_NAME ?? 'camel-model',
    systemMessagePolicy: env.SYSTEM_MESSAGE_POLICY ?? 'append',
    bodyLimit: env.BODY_LIMIT ?? '10mb',
    logLevel: env.LOG_LEVEL ?? 'info',
  };
});

export const agentConfig = registerAs('agent', (): AgentConfig => {
  const env = validateEnvironment(process.env);
  return {
    baseUrl: env.OPENAI_BASE_URL || undefined,
    apiKey: env.OPENAI_API_KEY || undefined,
    model: env.AGENT_MODEL ?? 'gpt-4o-mini',
    systemMessage: env.AGENT_SYSTEM_MESSAGE ?? 'You are a helpful assistant.',
    temperature: env.AGENT_TEMPERATURE,
    maxTokens: env.AGENT_MAX_TOKENS,
    upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS ?? 600_000,
  };
});
