import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolDefinition } from '../../types';
import { errorOutcome } from '../function-tool';
import type { AgentTool, ToolContext, ToolOutcome } from '../tool';
import { isMcpError } from './mcp-client-sdk.loader';
import { toToolOutcome } from './mcp-result';
import type { McpServerConnection } from './mcp-server-connection';
import { messageOf } from './mcp-server-connection';

/**
 * One tool of an MCP server, as one of the agent's own tools. The model sees the server's description and argument
 * schema under `definition.name` (the server's name for it, prefixed when two servers share it); each call goes to
 * the server with the call's abort signal as MCP cancellation and a timeout. Never throws: bad arguments, a server
 * error, a server that is down, a timeout are results the model reads.
 */
export class McpTool implements AgentTool {
  readonly definition: ToolDefinition;

  constructor(
    private readonly server: McpServerConnection,
    /** The server's own name for the tool. */
    readonly toolName: string,
    tool: Tool,
    name: string,
    private readonly timeoutMs: number,
  ) {
    // The dialect is for validators; models and backends only want the schema itself.
    const { $schema: _dialect, ...parameters } = tool.inputSchema;
    this.definition = { name, description: tool.description ?? tool.title, parameters };
  }

  /** The server's name, as configured. */
  get serverName(): string {
    return this.server.name;
  }

  async invoke(rawArguments: string, context: ToolContext): Promise<ToolOutcome> {
    const name = this.definition.name;
    let args: unknown;
    try {
      args = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
    } catch {
      return errorOutcome(`The arguments of '${name}' are not valid JSON: ${rawArguments}`);
    }
    const checked = this.server.validate(this.toolName, args);
    if (checked && !checked.valid) {
      return errorOutcome(`Invalid arguments for '${name}': ${checked.errorMessage}`);
    }
    if (context.signal.aborted) {
      return errorOutcome(`'${name}' was aborted.`);
    }
    try {
      const result = await this.server.callTool(this.toolName, args as Record<string, unknown>, {
        signal: context.signal,
        timeoutMs: this.timeoutMs,
      });
      return toToolOutcome(result);
    } catch (error) {
      if (context.signal.aborted) {
        return errorOutcome(`'${name}' was aborted.`);
      }
      if (isMcpError(error, 'RequestTimeout')) {
        return errorOutcome(`'${name}' timed out after ${this.timeoutMs} ms.`);
      }
      return errorOutcome(`'${name}' failed: ${messageOf(error)}`);
    }
  }
}
