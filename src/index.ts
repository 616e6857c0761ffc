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
export { FunctionTool } from './core/tools/function-tool';
export type { FunctionToolOptions, JsonSchema, ToolArguments } from './core/tools/function-tool';
export { isAgentTool } from './core/tools/tool';
export type { AgentTool, ToolContext, ToolOutcome } from './core/tools/tool';
export type { ToolCallResult } from './core/tools/tool-runner';
// Tools from MCP servers (README "Tools from MCP servers").
export { McpServerError, McpTool, McpToolkit, parseMcpServers } from './core/tools/mcp';
export type {
  McpHttpServerConfig,
  McpServerConfig,
  McpServerStatus,
  McpStdioServerConfig,
  McpToolkitOptions,
} from './core/tools/mcp';
export type { ToolTurn, ToolTurnStore } from './core/tools/tool-turn-store';
export { InMemoryToolTurnStore } from './core/tools/in-memory-tool-turn-store';
export { ApiError, AbortedError } from './core/errors';
// Tracing: the W3C trace headers a backend adds to its upstream requests (empty without an OpenTelemetry SDK).
export { traceHeaders } from './core/tracing/trace-headers';
export type { ModelBackend } from './core/model-backend';
export { ModelFactory } from './core/model-factory';
export type { ModelCreator } from './core/model-factory';
export { OpenAICompatibleModel } from './core/backends/openai-compatible.model';
export type { OpenAICompatibleModelOptions } from './core/backends/openai-compatible.model';
export { LlamaCppModel } from './core/backends/llama-cpp/llama-cpp.model';
export type { LlamaCppModelOptions, LlamaGpu } from './core/backends/llama-cpp/llama-cpp.model';
export { ScriptedModel } from './core/backends/scripted.model';
export type { ScriptedModelOptions, ScriptedReply, ScriptedResponder } from './core/backends/scripted.model';
export type * from './core/types';
export type * from './openai/openai.types';
export { createServer } from './server/create-server';
export type { ServerOptions } from './server/create-server';
// Production: drain on shutdown, replicas sharing tool turns, metrics hooks (README "Production").
export { enableGracefulShutdown, gracefulShutdown } from './server/graceful-shutdown';
export type { GracefulShutdownOptions } from './server/graceful-shutdown';
export { RedisToolTurnStore } from './redis/redis-tool-turn.store';
export { MetricsService } from './metrics/metrics.service';
