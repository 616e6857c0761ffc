import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { AgentConfig } from '../config/app.config';
import { McpToolkit } from '../core/tools/mcp/mcp-toolkit';
import type { AgentTool } from '../core/tools/tool';

/**
 * The MCP servers MCP_CONFIG names, for the agent built from the environment: connected once at start (a server
 * that cannot start fails the start, with its reason), probed by /ready, closed (stdio processes ended) at shutdown.
 */
export class EnvironmentMcpTools implements OnApplicationShutdown {
  constructor(readonly toolkit?: McpToolkit) {}

  static async connect(agent: AgentConfig): Promise<EnvironmentMcpTools> {
    if (!agent.mcpServers) {
      return new EnvironmentMcpTools();
    }
    const logger = new Logger(McpToolkit.name);
    const toolkit = await McpToolkit.connect({
      servers: agent.mcpServers,
      timeoutMs: agent.mcpToolTimeoutMs,
      onLog: (message) => logger.log(message),
    });
    for (const server of toolkit.servers()) {
      logger.log(`MCP server '${server.name}' (${server.transport}): ${server.tools.join(', ') || 'no tools'}`);
    }
    return new EnvironmentMcpTools(toolkit);
  }

  tools(): AgentTool[] {
    return this.toolkit?.tools() ?? [];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.toolkit?.close();
  }
}
