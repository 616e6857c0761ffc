import { readFile } from 'node:fs/promises';
import type { AgentTool } from '../tool';
import { type McpServerConfig, parseMcpServers } from './mcp-config';
import { McpServerConnection, messageOf } from './mcp-server-connection';
import { McpServerError } from './mcp-server-error';
import { McpTool } from './mcp-tool';

export interface McpToolkitOptions {
  /** The servers by name: `{ command, args?, env?, cwd? }` (stdio) or `{ url, headers? }` (Streamable HTTP). */
  servers: Record<string, McpServerConfig>;
  /** Milliseconds before a tool call is cancelled and the model told so; default 60 000. `0` means no limit. */
  timeoutMs?: number;
  /** Milliseconds a server gets to start (or answer) and list its tools; default 30 000. */
  connectTimeoutMs?: number;
  /**
   * Name every tool `<server>__<tool>`. By default only tools whose name another server also uses get the prefix,
   * so the model sees the servers' own names.
   */
  prefixToolNames?: boolean;
  /** Servers' error output and connection events, one line each (default: dropped). */
  onLog?: (message: string) => void;
}

export interface McpServerStatus {
  name: string;
  transport: 'stdio' | 'http';
  connected: boolean;
  /** The tools the agent got from it (their names as the model sees them). */
  tools: string[];
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const NAME_LIMIT = 64;
const CLIENT_INFO = { name: 'chat-agent-server', version: '0.1.0' };

/**
 * The tools of one or more MCP servers, as the agent's own tools.
 *
 * ```ts
 * const mcp = await McpToolkit.connect({
 *   servers: { files: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'] } },
 * });
 * const agent = new ChatAgent({ model, tools: mcp.tools() });
 * // ...
 * await mcp.close(); // ends the server processes
 * ```
 *
 * Every server is connected and listed before `connect` resolves; one that cannot start rejects it with an
 * `McpServerError` saying why (and the others are closed again). A server that goes away later is connected again
 * on the next call of one of its tools.
 */
export class McpToolkit {
  private constructor(
    private readonly connections: McpServerConnection[],
    private readonly agentTools: McpTool[],
  ) {}

  static async connect(options: McpToolkitOptions): Promise<McpToolkit> {
    const connections = Object.entries(options.servers).map(
      ([name, config]) =>
        new McpServerConnection({
          name,
          config,
          connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
          clientInfo: CLIENT_INFO,
          onLog: options.onLog,
        }),
    );
    const outcomes = await Promise.allSettled(connections.map((connection) => connection.connect()));
    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    try {
      if (failures.length > 0) {
        throw failures.length === 1 && failures[0] instanceof McpServerError
          ? failures[0]
          : new McpServerError(
              failures.map((f) => (f instanceof McpServerError ? f.server : '?')).join(', '),
              failures.map(messageOf).join('\n'),
            );
      }
      return new McpToolkit(connections, toolsOf(connections, options));
    } catch (error) {
      await Promise.all(connections.map((connection) => connection.close()));
      throw error;
    }
  }

  /**
   * Reads the servers from a JSON file in the format MCP hosts share: `{"mcpServers": {"<name>": {...}}}`, with
   * `${VAR}` taken from the environment; then connects as `connect` does.
   */
  static async fromConfigFile(path: string, options: Omit<McpToolkitOptions, 'servers'> = {}): Promise<McpToolkit> {
    return McpToolkit.connect({ ...options, servers: await readMcpConfigFile(path) });
  }

  /** The agent's tools: every tool of every server. */
  tools(): AgentTool[] {
    return [...this.agentTools];
  }

  get serverNames(): string[] {
    return this.connections.map((connection) => connection.name);
  }

  servers(): McpServerStatus[] {
    return this.connections.map((connection) => ({
      name: connection.name,
      transport: connection.transportKind,
      connected: connection.connected,
      tools: this.agentTools.filter((tool) => tool.serverName === connection.name).map((tool) => tool.definition.name),
    }));
  }

  /** Resolves when the server answers a ping (connecting it again first if it went away); rejects otherwise. */
  async ping(server: string, timeoutMs = 5_000): Promise<void> {
    const connection = this.connections.find((c) => c.name === server);
    if (!connection) {
      throw new McpServerError(server, `There is no MCP server named '${server}'.`);
    }
    await connection.ping(timeoutMs);
  }

  /** Closes every connection and ends the processes of stdio servers. */
  async close(): Promise<void> {
    await Promise.all(this.connections.map((connection) => connection.close()));
  }
}

/** Reads and checks an `mcpServers` configuration file; the Error names the file and the bad entry. */
export async function readMcpConfigFile(path: string): Promise<Record<string, McpServerConfig>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read the MCP configuration ${path}: ${messageOf(error)}`);
  }
  try {
    return parseMcpServers(json);
  } catch (error) {
    throw new Error(`Invalid MCP configuration ${path}: ${messageOf(error)}`);
  }
}

function toolsOf(connections: McpServerConnection[], options: McpToolkitOptions): McpTool[] {
  const owners = new Map<string, number>();
  for (const connection of connections) {
    for (const name of new Set(connection.tools.map((tool) => modelName(tool.name)))) {
      owners.set(name, (owners.get(name) ?? 0) + 1);
    }
  }
  const tools: McpTool[] = [];
  const taken = new Set<string>();
  for (const connection of connections) {
    for (const tool of connection.tools) {
      const shared = (owners.get(modelName(tool.name)) ?? 0) > 1;
      const name = modelName(options.prefixToolNames || shared ? `${connection.name}__${tool.name}` : tool.name);
      if (taken.has(name)) {
        throw new McpServerError(
          connection.name,
          `MCP server '${connection.name}': two tools would both be named '${name}' for the model.`,
        );
      }
      taken.add(name);
      tools.push(new McpTool(connection, tool.name, tool, name, options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
    }
  }
  return tools;
}

/** Models accept 1-64 letters, digits, `_` and `-`; MCP names may also hold `.` and `/` and run to 128. */
function modelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, NAME_LIMIT);
}
