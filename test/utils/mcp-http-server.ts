import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';

const DIALECT_2020 = 'https://json-schema.org/draft/2020-12/schema';

/** Tools written as raw JSON Schema, in the 2020-12 dialect, as non-SDK servers publish them. */
const TOOLS: Tool[] = [
  {
    name: 'lookup',
    description: 'Looks a key up in the catalogue',
    inputSchema: {
      $schema: DIALECT_2020,
      type: 'object',
      properties: { key: { $ref: '#/$defs/key' } },
      required: ['key'],
      $defs: { key: { type: 'string', minLength: 2 } },
    },
    outputSchema: {
      $schema: DIALECT_2020,
      type: 'object',
      properties: { key: { type: 'string' }, price: { type: 'number' }, tags: { type: 'array', prefixItems: [{}] } },
      required: ['key', 'price'],
    },
  },
  { name: 'echo', description: 'Echoes the text back', inputSchema: { type: 'object', properties: { text: {} } } },
  { name: 'fail', description: 'Always fails', inputSchema: { type: 'object' } },
  { name: 'slow', description: 'Never finishes unless cancelled', inputSchema: { type: 'object' } },
];

/**
 * A real MCP server over Streamable HTTP (with sessions, as most remote servers keep), for the toolkit's tests.
 * `restart()` forgets every session, as a redeployed server does; `slowCalls` hears each `slow` call and how it
 * ended.
 */
export class McpHttpTestServer {
  url = '';
  headers: IncomingMessage['headers'][] = [];
  readonly slowCalls: Array<{ cancelled: Promise<string> }> = [];
  private readonly sessions = new Map<string, StreamableHTTPServerTransport>();
  private readonly sockets = new Set<Socket>();
  private server?: HttpServer;

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/mcp`;
    return this.url;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async restart(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((transport) => transport.close()));
    this.sessions.clear();
  }

  async stop(): Promise<void> {
    await this.restart();
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.headers.push(req.headers);
    const sessionId = req.headers['mcp-session-id'];
    const known = typeof sessionId === 'string' ? this.sessions.get(sessionId) : undefined;
    if (known) {
      await known.handleRequest(req, res);
      return;
    }
    if (sessionId !== undefined) {
      res.writeHead(404).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' } }));
      return;
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void this.sessions.set(id, transport),
    });
    await this.mcpServer().connect(transport);
    await transport.handleRequest(req, res);
  }

  private mcpServer(): Server {
    const server = new Server({ name: 'http-test-server', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const args = request.params.arguments ?? {};
      switch (request.params.name) {
        case 'lookup': {
          const result = { key: String(args.key), price: 42, tags: ['new'] };
          // Structured content only: the toolkit gives the model its JSON.
          return { content: [], structuredContent: result };
        }
        case 'echo':
          return { content: [{ type: 'text', text: `http echo: ${String(args.text)}` }] };
        case 'fail':
          return { content: [{ type: 'text', text: 'the catalogue is closed' }], isError: true };
        case 'slow': {
          const cancelled = new Promise<string>((resolve) =>
            extra.signal.addEventListener('abort', () => resolve(String(extra.signal.reason)), { once: true }),
          );
          this.slowCalls.push({ cancelled });
          await cancelled;
          return { content: [{ type: 'text', text: 'too late' }] };
        }
        default:
          throw new Error(`unknown tool ${request.params.name}`);
      }
    });
    return server;
  }
}
