/** The library: build an agent, serve it. */
export { ChatAgent } from './core/chat-agent';
export type {
  AgentResponse,
  AgentStreamEvent,
  AssistantMessage,
  ChatAgentOptions,
  RunOptions,
  ServeOptions,
  SystemMessagePolicy,
} from './core/chat-agent';
export { ChatMemory } from './core/chat-memory';
export { ApiError, AbortedError } from './core/errors';
export type { ModelBackend } from './core/model-backend';
export { ModelFactory } from './core/model-factory';
export type { ModelCreator } from './core/model-factory';
export { OpenAICompatibleModel } from './core/backends/openai-compatible.model';
export type { OpenAICompatibleModelOptions } from './core/backends/openai-compatible.model';
export { ScriptedModel } from './core/backends/scripted.model';
export type { ScriptedModelOptions, ScriptedReply, ScriptedResponder } from './core/backends/scripted.model';
export type * from './core/types';
export type * from './openai/openai.types';
export { createServer } from './server/create-server';
export type { ServerOptions } from './server/create-server';
