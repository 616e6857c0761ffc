import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AgentConfig, AllConfig, AppConfig } from '../config/app.config';
import { ConfigurationError } from '../config/configuration-error';
import { isModelUrl } from '../core/backends/llama-cpp/model-download';
import { LlamaCppModel } from '../core/backends/llama-cpp/llama-cpp.model';
import { OpenAICompatibleModel } from '../core/backends/openai-compatible.model';
import { ChatAgent } from '../core/chat-agent';
import type { ModelBackend } from '../core/model-backend';
import { AgentService } from './agent.service';
import { EnvironmentMcpTools } from './environment-mcp-tools';
import { SERVED_AGENTS, type ServedAgents } from './served-agents';

export type AgentsOption = ChatAgent | Record<string, ChatAgent> | ReadonlyMap<string, ChatAgent>;

@Module({})
export class AgentModule {
  /** Agents built in code (the library path), or, without them, one agent built from the environment. */
  static forRoot(agents?: AgentsOption): DynamicModule {
    return {
      module: AgentModule,
      global: true,
      providers: [
        {
          // Agents built in code bring their own tools; MCP_CONFIG is for the agent built here.
          provide: EnvironmentMcpTools,
          inject: [ConfigService],
          useFactory: (config: ConfigService<AllConfig, true>): Promise<EnvironmentMcpTools> =>
            agents
              ? Promise.resolve(new EnvironmentMcpTools())
              : EnvironmentMcpTools.connect(config.get<AgentConfig>('agent')),
        },
        {
          provide: SERVED_AGENTS,
          inject: [ConfigService, EnvironmentMcpTools],
          useFactory: (config: ConfigService<AllConfig, true>, mcp: EnvironmentMcpTools): ServedAgents =>
            agents
              ? toServedAgents(agents, config.get<AppConfig>('app').servedModelName)
              : agentsFromEnvironment(config, mcp),
        },
        AgentService,
      ],
      exports: [AgentService, SERVED_AGENTS, EnvironmentMcpTools],
    };
  }
}

function toServedAgents(agents: AgentsOption, defaultId: string): ServedAgents {
  if (agents instanceof ChatAgent) {
    return new Map([[defaultId, agents]]);
  }
  const map = agents instanceof Map ? new Map(agents) : new Map(Object.entries(agents));
  if (map.size === 0) {
    throw new Error('At least one agent must be served.');
  }
  return map;
}

function agentsFromEnvironment(config: ConfigService<AllConfig, true>, mcp: EnvironmentMcpTools): ServedAgents {
  const app = config.get<AppConfig>('app');
  const agent = config.get<AgentConfig>('agent');
  const model = !agent.baseUrl && !agent.apiKey ? embeddedModel(app, agent) : upstreamModel(app, agent);
  return new Map([
    [
      app.servedModelName,
      new ChatAgent({
        // Its name in traces (`invoke_agent camel-model`): the id clients know it by.
        name: app.servedModelName,
        model,
        systemMessage: agent.systemMessage,
        description: agent.description,
        temperature: agent.temperature,
        maxTokens: agent.maxTokens,
        systemMessagePolicy: app.systemMessagePolicy,
        tools: mcp.tools(),
      }),
    ],
  ]);
}

function upstreamModel(app: AppConfig, agent: AgentConfig): ModelBackend {
  const model = new OpenAICompatibleModel({
    model: agent.model,
    baseURL: agent.baseUrl,
    apiKey: agent.apiKey,
    timeoutMs: agent.upstreamTimeoutMs,
  });
  new Logger(AgentModule.name).log(`Serving '${app.servedModelName}': model '${agent.model}' at ${model.baseURL}`);
  return model;
}

/**
 * No upstream configured: serve a local GGUF model in-process with llama.cpp. Loading (and a first download) starts
 * now, in the background, so the service answers /health at once and turns ready when the model is in memory.
 */
function embeddedModel(app: AppConfig, agent: AgentConfig): ModelBackend {
  const logger = new Logger('LlamaCppModel');
  requireModelFile(agent.llama.model);
  const model = new LlamaCppModel({ ...agent.llama, onLog: (message) => logger.log(message) });
  logger.log(
    `No OPENAI_BASE_URL or OPENAI_API_KEY: serving '${app.servedModelName}' with ${agent.llama.model} in-process ` +
      '(set OPENAI_BASE_URL to serve an OpenAI-compatible server instead)',
  );
  // Logged once here; the requests answered 503 meanwhile are warnings (RequestContextMiddleware).
  model.ready().catch((error: Error) => logger.error(`${error.message} ${OTHER_WAYS}`));
  return model;
}

/** Every other way to a working server, for a first start that cannot get its model (offline, say). */
const OTHER_WAYS =
  'Other ways to a working server: set OPENAI_BASE_URL (and OPENAI_API_KEY) to use any OpenAI-compatible server ' +
  '(OpenAI, Ollama at http://localhost:11434/v1, vLLM, llama.cpp); or, without any model, run the scripted example ' +
  "offline: 'npx tsx examples/openai-server.ts --scripted'. The service keeps running and retries the model.";

/**
 * A download may succeed later, so a URL that fails is retried; a configured file that is not there never appears
 * by itself, so it stops the start with the reason.
 */
function requireModelFile(spec: string): void {
  if (isModelUrl(spec)) {
    return;
  }
  const path = resolve(spec);
  const isFile = statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
  if (!isFile) {
    throw new ConfigurationError(
      `Invalid configuration:\n  LLAMA_MODEL: ${path} is not a file. Point LLAMA_MODEL at a GGUF file or an ` +
        'https URL, unset it for the default model, or set OPENAI_BASE_URL to serve an OpenAI-compatible server.',
    );
  }
}
