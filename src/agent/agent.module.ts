import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AgentConfig, AllConfig, AppConfig } from '../config/app.config';
import { OpenAICompatibleModel } from '../core/backends/openai-compatible.model';
import { ChatAgent } from '../core/chat-agent';
import { AgentService } from './agent.service';
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
          provide: SERVED_AGENTS,
          inject: [ConfigService],
          useFactory: (config: ConfigService<AllConfig, true>): ServedAgents =>
            agents
              ? toServedAgents(agents, config.get<AppConfig>('app').servedModelName)
              : agentsFromEnvironment(config),
        },
        AgentService,
      ],
      exports: [AgentService, SERVED_AGENTS],
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

function agentsFromEnvironment(config: ConfigService<AllConfig, true>): ServedAgents {
  const app = config.get<AppConfig>('app');
  const agent = config.get<AgentConfig>('agent');
  if (!agent.baseUrl && !agent.apiKey) {
    throw new Error(
      'No model backend is configured. Set OPENAI_BASE_URL to an OpenAI-compatible server ' +
        '(e.g. http://localhost:11434/v1 for Ollama), or OPENAI_API_KEY to use OpenAI itself.',
    );
  }
  const model = new OpenAICompatibleModel({
    model: agent.model,
    baseURL: agent.baseUrl,
    apiKey: agent.apiKey,
    timeoutMs: agent.upstreamTimeoutMs,
  });
  new Logger(AgentModule.name).log(
    `Serving '${app.servedModelName}': model '${agent.model}' at ${model.client.baseURL}`,
  );
  return new Map([
    [
      app.servedModelName,
      new ChatAgent({
        model,
        systemMessage: agent.systemMessage,
        temperature: agent.temperature,
        maxTokens: agent.maxTokens,
        systemMessagePolicy: app.systemMessagePolicy,
      }),
    ],
  ]);
}
