import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { compileSchema, dialectAwareValidator, type SchemaCheck } from './json-schema-dialects';
import { isMcpError, loadMcpClientSdk } from './mcp-client-sdk.loader';
import { isHttpServer, type McpServerConfig } from './mcp-config';
import { McpServerError } from './mcp-server-error';

export interface McpServerConnectionOptions {
  name: string;
  config: McpServerConfig;
  connectTimeoutMs: number;
  clientInfo: { name: string; version: string };
  onLog?: (message: string) => void;
}

/** setTimeout's ceiling: "no limit" for the SDK, which otherwise applies its own 60 s. */
const NO_LIMIT_MS = 2 ** 31 - 1;
const STDERR_TAIL_CHARS = 2_000;

/**
 * One MCP server: connects (starting the process for stdio), lists its tools, calls them, and connects again when
 * the server went away (the process died, or an HTTP server restarted and forgot our session).
 */
export class McpServerConnection {
  readonly name: string;
  private client?: Client;
  private connecting?: Promise<Client>;
  private closed = false;
  private stderrTail = '';
  private listed = new Map<string, { tool: Tool; validate: (value: unknown) => SchemaCheck }>();

  constructor(private readonly options: McpServerConnectionOptions) {
    this.name = options.name;
  }

  get transportKind(): 'stdio' | 'http' {
    return isHttpServer(this.options.config) ? 'http' : 'stdio';
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** The tools as the server listed them on the latest connect. */
  get tools(): Tool[] {
    return [...this.listed.values()].map((entry) => entry.tool);
  }

  /** Validates a call's arguments against the tool's current input schema (undefined: no such tool any more). */
  validate(toolName: string, args: unknown): SchemaCheck | undefined {
    return this.listed.get(toolName)?.validate(args);
  }

  /** Connected and listed; several callers share one attempt. Throws McpServerError. */
  connect(): Promise<Client> {
    if (this.client) {
      return Promise.resolve(this.client);
    }
    if (this.closed) {
      return Promise.reject(new McpServerError(this.name, `MCP server '${this.name}' was closed.`));
    }
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  async callTool(
    toolName: string,
    args: Record<string, unknown>,
    options: { signal: AbortSignal; timeoutMs: number },
  ): Promise<CallToolResult> {
    const request = { name: toolName, arguments: args };
    const requestOptions = { signal: options.signal, timeout: options.timeoutMs || NO_LIMIT_MS };
    const client = await abortable(this.connect(), options.signal);
    try {
      return (await client.callTool(request, undefined, requestOptions)) as CallToolResult;
    } catch (error) {
      if (options.signal.aborted || !this.isConnectionFailure(client, error)) {
        throw error;
      }
      this.drop(client);
      if (!neverDelivered(error)) {
        throw error;
      }
      // The server never saw the call (it forgot our session, or nobody listened): safe to send again, once.
      const fresh = await abortable(this.connect(), options.signal);
      return (await fresh.callTool(request, undefined, requestOptions)) as CallToolResult;
    }
  }

  /** Up means it answers a ping now; a server that is down is connected again first. */
  async ping(timeoutMs: number): Promise<void> {
    const client = await this.connect();
    try {
      await client.ping({ timeout: timeoutMs });
    } catch (error) {
      this.drop(client);
      throw new McpServerError(this.name, `MCP server '${this.name}' does not answer: ${messageOf(error)}`, error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    if (client) {
      await terminate(client);
    }
  }

  private async open(): Promise<Client> {
    const transport = this.transport();
    const client = new (loadMcpClientSdk().Client)(this.options.clientInfo, {
      capabilities: {},
      jsonSchemaValidator: dialectAwareValidator,
    });
    client.onclose = () => this.drop(client);
    client.onerror = (error) => this.options.onLog?.(`MCP server '${this.name}': ${error.message}`);
    let tools: Tool[];
    try {
      await client.connect(transport, { timeout: this.options.connectTimeoutMs });
      tools = await listTools(client, this.options.connectTimeoutMs);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw this.startError(error);
    }
    if (this.closed) {
      await terminate(client);
      throw new McpServerError(this.name, `MCP server '${this.name}' was closed.`);
    }
    this.listed = new Map(
      tools.map((tool) => [tool.name, { tool, validate: compileSchema(tool.inputSchema as Record<string, unknown>) }]),
    );
    this.client = client;
    return client;
  }

  private transport(): Transport {
    const config = this.options.config;
    const { StdioClientTransport, StreamableHTTPClientTransport } = loadMcpClientSdk();
    if (isHttpServer(config)) {
      return new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: config.headers } });
    }
    this.stderrTail = '';
    const transport = new StdioClientTransport({ ...config, stderr: 'pipe' });
    // Read as it comes (a full pipe would block the server); the tail explains a server that cannot start.
    transport.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
      for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
        this.options.onLog?.(`MCP server '${this.name}' (stderr): ${line}`);
      }
    });
    return transport;
  }

  private startError(error: unknown): McpServerError {
    const config = this.options.config;
    if (isHttpServer(config)) {
      return new McpServerError(
        this.name,
        `MCP server '${this.name}' at ${config.url} could not be reached: ${messageOf(error)}`,
        error,
      );
    }
    const command = [config.command, ...(config.args ?? [])].join(' ');
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return new McpServerError(
        this.name,
        `MCP server '${this.name}' could not start: the command '${config.command}' was not found.`,
        error,
      );
    }
    const stderr = this.stderrTail.trim();
    const exited = isMcpError(error, 'ConnectionClosed');
    return new McpServerError(
      this.name,
      `MCP server '${this.name}' (${command}) could not start: ` +
        (exited ? 'it exited before it answered' : messageOf(error)) +
        (stderr ? `. Its error output: ${stderr}` : ''),
      error,
    );
  }

  private drop(client: Client): void {
    if (this.client === client) {
      this.client = undefined;
      if (!this.closed) {
        this.options.onLog?.(`MCP server '${this.name}' disconnected; it is connected again on the next call.`);
      }
      void terminate(client);
    }
  }

  private isConnectionFailure(client: Client, error: unknown): boolean {
    return (
      this.client !== client ||
      error instanceof loadMcpClientSdk().StreamableHTTPError ||
      error instanceof TypeError ||
      isMcpError(error, 'ConnectionClosed')
    );
  }
}

/** An HTTP server that forgot our session (404) or a connection nobody accepted: the call never ran. */
function neverDelivered(error: unknown): boolean {
  if (error instanceof loadMcpClientSdk().StreamableHTTPError) {
    return error.code === 404;
  }
  const cause = (error as { cause?: { code?: string } }).cause;
  return error instanceof TypeError && cause?.code === 'ECONNREFUSED';
}

async function listTools(client: Client, timeoutMs: number): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

async function terminate(client: Client): Promise<void> {
  const transport = client.transport;
  if (transport instanceof loadMcpClientSdk().StreamableHTTPClientTransport && transport.sessionId) {
    await transport.terminateSession().catch(() => undefined);
  }
  await client.close().catch(() => undefined);
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function messageOf(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && !error.message.includes(cause.message)
    ? `${error.message} (${cause.message})`
    : error.message;
}
