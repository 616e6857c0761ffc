import { readFileSync } from 'node:fs';
import { registerAs } from '@nestjs/config';
import type { LlamaCppModelOptions, LlamaGpu } from '../core/backends/llama-cpp/llama-cpp.model';
import { DEFAULT_UPSTREAM_TIMEOUT_MS } from '../core/backends/openai-compatible.model';
import { SYSTEM_MESSAGE_POLICIES, type SystemMessagePolicy } from '../core/chat-agent';
import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Max, Min, MinLength, validateSync } from 'class-validator';
import { type McpServerConfig, parseMcpServers } from '../core/tools/mcp/mcp-config';
import { ConfigurationError } from './configuration-error';

/** The environment the service reads, validated once at start (a typo fails fast, not at the first request). */
export class EnvironmentVariables {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() HOST?: string;
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) OPENAI_BASE_URL?: string;
  @IsOptional() @IsString() OPENAI_API_KEY?: string;
  @IsOptional() @IsString() @MinLength(1) AGENT_MODEL?: string;
  @IsOptional() @IsString() AGENT_SYSTEM_MESSAGE?: string;
  @IsOptional() @IsString() AGENT_DESCRIPTION?: string;
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0) @Max(2) AGENT_TEMPERATURE?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) AGENT_MAX_TOKENS?: number;
  @IsOptional() @IsString() @MinLength(1) SERVED_MODEL_NAME?: string;
  @IsOptional() @IsIn(SYSTEM_MESSAGE_POLICIES) SYSTEM_MESSAGE_POLICY?: SystemMessagePolicy;
  // The embedded llama.cpp backend, used when no upstream is configured (README "Embedded default").
  @IsOptional() @IsString() @MinLength(1) LLAMA_MODEL?: string;
  @IsOptional() @IsString() @MinLength(1) LLAMA_MODEL_DIR?: string;
  @IsOptional() @IsIn(['auto', 'false', 'cuda', 'vulkan', 'metal']) LLAMA_GPU?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) LLAMA_THREADS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) LLAMA_PARALLEL?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) LLAMA_QUEUE_LIMIT?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(256) LLAMA_CONTEXT_SIZE?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) LLAMA_DOWNLOAD_TIMEOUT_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) UPSTREAM_TIMEOUT_MS?: number;
  // Tools from MCP servers for the agent built from the environment (README "Tools from MCP servers").
  @IsOptional() @IsString() @MinLength(1) MCP_CONFIG?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) MCP_TOOL_TIMEOUT_MS?: number;
  @IsOptional() @IsString() BODY_LIMIT?: string;
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;
  // Production settings (README "Production").
  @IsOptional() @IsIn(['json', 'pretty']) LOG_FORMAT?: 'json' | 'pretty';
  @IsOptional() @IsString() API_KEYS?: string;
  @IsOptional() @IsString() @MinLength(1) API_KEYS_FILE?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) RATE_LIMIT_RPM?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) RATE_LIMIT_TPM?: number;
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['redis', 'rediss'] })
  REDIS_URL?: string;
  @IsOptional() @IsString() REDIS_KEY_PREFIX?: string;
  @IsOptional() @IsString() CORS_ORIGINS?: string;
  @IsOptional() @IsString() TRUST_PROXY?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) REQUEST_TIMEOUT_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) MAX_CONCURRENT_REQUESTS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) KEEP_ALIVE_TIMEOUT_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) HEADERS_TIMEOUT_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) SHUTDOWN_DRAIN_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) SSE_KEEP_ALIVE_MS?: number;
  @IsOptional() @IsIn(['true', 'false']) PLAYGROUND?: 'true' | 'false';
  @IsOptional() @IsString() @MinLength(1) PLAYGROUND_DIR?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) RESPONSES_TTL_MS?: number;
}

export function validateEnvironment(config: Record<string, unknown>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, config, { enableImplicitConversion: false });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`);
    throw new ConfigurationError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return env;
}

export interface AppConfig {
  port: number;
  host: string;
  servedModelName: string;
  systemMessagePolicy: SystemMessagePolicy;
  bodyLimit: string;
  logLevel: string;
  /** The browser playground at `/` (PLAYGROUND=false turns it off). */
  playground: boolean;
  /** Where the built page is, when not beside the server's code (dist/playground): a custom build, tests. */
  playgroundDir?: string;
}

/** The embedded llama.cpp backend (LLAMA_*): the backend's own options, with the ones the service always sets. */
export type LlamaConfig = Pick<LlamaCppModelOptions, 'model' | 'modelDir' | 'threads'> &
  Required<Pick<LlamaCppModelOptions, 'gpu' | 'parallel' | 'queueLimit' | 'contextSize' | 'connectTimeoutMs'>>;

/**
 * Qwen2.5 1.5B Instruct, Q4_K_M (about 1.1 GB): the smallest Qwen2.5 that follows its tool-call template reliably,
 * Apache-2.0, and a chat template node-llama-cpp maps to its native Qwen wrapper (README "Embedded default").
 */
export const DEFAULT_LLAMA_MODEL =
  'https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf';

export interface AgentConfig {
  baseUrl?: string;
  apiKey?: string;
  model: string;
  systemMessage: string;
  /** Public: the A2A agent card's description (the system message stays private when this is set). */
  description?: string;
  temperature?: number;
  maxTokens?: number;
  upstreamTimeoutMs: number;
  llama: LlamaConfig;
  /** MCP_CONFIG's servers, read and checked at start. */
  mcpServers?: Record<string, McpServerConfig>;
  /** Per MCP tool call; 0 = no limit. */
  mcpToolTimeoutMs: number;
}

/** Settings for running in production: auth, limits, shared state, timeouts (README "Production"). */
export interface ServerConfig {
  logFormat: 'json' | 'pretty';
  /** Accepted API keys for `/v1/*`; empty means the API is open. */
  apiKeys: string[];
  /** Requests / tokens per minute per key (or per client address when open); 0 = unlimited. */
  rateLimitRpm: number;
  rateLimitTpm: number;
  redisUrl?: string;
  redisKeyPrefix: string;
  /** `undefined` = CORS off; `['*']` = any origin. */
  corsOrigins?: string[];
  /** Express `trust proxy` value: how far to trust `X-Forwarded-For` (behind nginx: `1` or `loopback`). */
  trustProxy?: boolean | number | string;
  /** Per request, to the backend; 0 = none. */
  requestTimeoutMs: number;
  /** 0 = unlimited. */
  maxConcurrentRequests: number;
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  shutdownDrainMs: number;
  /** A comment line goes out on a stream silent this long (0 = never). */
  sseKeepAliveMs: number;
  /** How long stored responses (`/v1/responses`, `previous_response_id`) are kept. */
  responsesTtlMs: number;
}

export interface AllConfig {
  app: AppConfig;
  agent: AgentConfig;
  server: ServerConfig;
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
    playground: env.PLAYGROUND !== 'false',
    playgroundDir: env.PLAYGROUND_DIR,
  };
});

export const agentConfig = registerAs('agent', (): AgentConfig => {
  const env = validateEnvironment(process.env);
  return {
    baseUrl: env.OPENAI_BASE_URL || undefined,
    apiKey: env.OPENAI_API_KEY || undefined,
    model: env.AGENT_MODEL ?? 'gpt-4o-mini',
    systemMessage: env.AGENT_SYSTEM_MESSAGE ?? 'You are a helpful assistant.',
    description: env.AGENT_DESCRIPTION || undefined,
    temperature: env.AGENT_TEMPERATURE,
    maxTokens: env.AGENT_MAX_TOKENS,
    upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    llama: {
      model: env.LLAMA_MODEL ?? DEFAULT_LLAMA_MODEL,
      modelDir: env.LLAMA_MODEL_DIR,
      gpu: env.LLAMA_GPU === undefined || env.LLAMA_GPU === 'false' ? false : (env.LLAMA_GPU as LlamaGpu),
      threads: env.LLAMA_THREADS,
      parallel: env.LLAMA_PARALLEL ?? 1,
      queueLimit: env.LLAMA_QUEUE_LIMIT ?? 16,
      contextSize: env.LLAMA_CONTEXT_SIZE ?? 4096,
      connectTimeoutMs: env.LLAMA_DOWNLOAD_TIMEOUT_MS ?? 15_000,
    },
    mcpServers: env.MCP_CONFIG ? readMcpConfig(env.MCP_CONFIG) : undefined,
    mcpToolTimeoutMs: env.MCP_TOOL_TIMEOUT_MS ?? 60_000,
  };
});

/** The `{"mcpServers": {...}}` file other MCP hosts use; a missing file or a bad entry fails the start. */
function readMcpConfig(path: string): Record<string, McpServerConfig> {
  try {
    return parseMcpServers(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new Error(
      `Invalid configuration:\n  MCP_CONFIG: ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export const serverConfig = registerAs('server', (): ServerConfig => {
  const env = validateEnvironment(process.env);
  const keepAliveTimeoutMs = env.KEEP_ALIVE_TIMEOUT_MS ?? 65_000;
  return {
    // Pretty only for a person at a terminal; anything captured (CI, containers, files) gets one JSON object a line.
    logFormat: env.LOG_FORMAT ?? (process.stdout.isTTY && !process.env.CI ? 'pretty' : 'json'),
    apiKeys: readApiKeys(env),
    rateLimitRpm: env.RATE_LIMIT_RPM ?? 0,
    rateLimitTpm: env.RATE_LIMIT_TPM ?? 0,
    redisUrl: env.REDIS_URL || undefined,
    redisKeyPrefix: env.REDIS_KEY_PREFIX ?? 'chat-agent:',
    corsOrigins: splitList(env.CORS_ORIGINS),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS ?? 600_000,
    maxConcurrentRequests: env.MAX_CONCURRENT_REQUESTS ?? 0,
    // Above a typical load balancer's idle timeout (60 s), so the balancer, not us, closes idle connections.
    keepAliveTimeoutMs,
    // Node requires headersTimeout > keepAliveTimeout to avoid racing a reused socket.
    headersTimeoutMs: env.HEADERS_TIMEOUT_MS ?? keepAliveTimeoutMs + 1_000,
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS ?? 25_000,
    sseKeepAliveMs: env.SSE_KEEP_ALIVE_MS ?? 5_000,
    responsesTtlMs: env.RESPONSES_TTL_MS ?? 24 * 60 * 60_000,
  };
});

function splitList(value: string | undefined): string[] | undefined {
  const items = (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return items.length > 0 ? items : undefined;
}

function readApiKeys(env: EnvironmentVariables): string[] {
  const keys = splitList(env.API_KEYS) ?? [];
  if (env.API_KEYS_FILE) {
    let text: string;
    try {
      text = readFileSync(env.API_KEYS_FILE, 'utf8');
    } catch (error) {
      throw new ConfigurationError(
        `Invalid configuration:\n  API_KEYS_FILE: cannot read ${env.API_KEYS_FILE} (${String(error)})`,
      );
    }
    keys.push(
      ...text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line.length > 0 && !line.startsWith('#')),
    );
  }
  return [...new Set(keys)];
}

function parseTrustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  if (value === 'true' || value === 'false') {
    return value === 'true';
  }
  return /^\d+$/.test(value) ? Number(value) : value;
}
