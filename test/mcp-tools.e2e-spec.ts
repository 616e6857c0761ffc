import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptedModel, type ScriptedResponder } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import { McpServerError, McpToolkit, type McpStdioServerConfig } from '../src/core/tools/mcp';
import type { AgentTool } from '../src/core/tools/tool';
import type { ModelRequest } from '../src/core/types';
import { McpHttpTestServer } from './utils/mcp-http-server';
import { startServer, type TestServer } from './utils/test-server';
import { isAlive, waitFor } from './utils/wait-for';

const MODEL = 'camel-model';
const FILESYSTEM_SERVER = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
const STDIO_TEST_SERVER = join(__dirname, 'utils', 'mcp-stdio-server.ts');

const filesystemServer = (folder: string): McpStdioServerConfig => ({
  command: process.execPath,
  args: [FILESYSTEM_SERVER, folder],
});
const stdioTestServer = (env: Record<string, string> = {}): McpStdioServerConfig => ({
  command: process.execPath,
  args: ['--import', 'tsx', STDIO_TEST_SERVER],
  env,
});

const toolMessages = (request: ModelRequest) =>
  request.messages.filter((m) => m.role === 'tool').map((m) => m.content as string);

function toolNamed(tools: AgentTool[], name: string): AgentTool {
  const tool = tools.find((t) => t.definition.name === name);
  if (!tool) {
    throw new Error(`no tool ${name} in ${tools.map((t) => t.definition.name).join(', ')}`);
  }
  return tool;
}

const call = (tool: AgentTool, args: unknown, signal = new AbortController().signal) =>
  tool.invoke(JSON.stringify(args), { signal, toolCallId: 'call_test' });

describe('McpToolkit (e2e)', () => {
  let toolkit: McpToolkit | undefined;
  let service: TestServer | undefined;
  let web: McpHttpTestServer | undefined;
  afterEach(async () => {
    await service?.close();
    await toolkit?.close();
    await web?.stop();
    service = toolkit = web = undefined;
  });

  async function serve(replies: ScriptedResponder, tools: AgentTool[], tokenDelayMs = 0) {
    const model = new ScriptedModel({ replies, tokenDelayMs });
    service = await startServer({ agents: new ChatAgent({ model, tools }) });
    return model;
  }

  it('should let the agent read a file through the filesystem MCP server over stdio', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'mcp-fs-'));
    writeFileSync(join(folder, 'notes.txt'), 'The launch code is 0000.');
    toolkit = await McpToolkit.connect({ servers: { files: filesystemServer(folder) } });
    const model = await serve(
      (request, i) =>
        i === 0
          ? { toolCalls: [{ name: 'read_text_file', arguments: { path: join(folder, 'notes.txt') } }] }
          : `The file says: ${toolMessages(request)[0]}`,
      toolkit.tools(),
    );
    const completion = await service!.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'What is in notes.txt?' }],
    });
    expect(completion.choices[0].message.content).toBe('The file says: The launch code is 0000.');
    // The model was offered the server's tools with the server's own schema.
    const offered = model.requests[0].tools?.find((t) => t.name === 'read_text_file');
    expect(offered?.parameters).toMatchObject({ type: 'object', required: ['path'] });
    expect(offered?.parameters).not.toHaveProperty('$schema');
  });

  it('should use an MCP server over Streamable HTTP: headers sent, 2020-12 schemas, structured content, errors', async () => {
    web = new McpHttpTestServer();
    await web.start();
    toolkit = await McpToolkit.connect({ servers: { shop: { url: web.url, headers: { 'X-Api-Key': 'shop-key' } } } });
    expect(web.headers.every((h) => h['x-api-key'] === 'shop-key')).toBe(true);
    const lookup = toolNamed(toolkit.tools(), 'lookup');
    expect(lookup.definition.parameters).toMatchObject({ $defs: { key: { minLength: 2 } } });

    expect(await call(lookup, { key: 'tea' })).toEqual({
      content: '{"key":"tea","price":42,"tags":["new"]}',
      isError: false,
    });
    // Checked here against the server's 2020-12 schema (its `$ref` into `$defs`), before any request.
    const invalid = await call(lookup, { key: 't' });
    expect(invalid.isError).toBe(true);
    expect(invalid.content).toContain('must NOT have fewer than 2 characters');
    expect(await call(toolNamed(toolkit.tools(), 'fail'), {})).toEqual({
      content: JSON.stringify({ error: 'the catalogue is closed' }),
      isError: true,
    });

    const model = await serve(
      (request, i) =>
        i === 0 ? { toolCalls: [{ name: 'lookup', arguments: { key: 'tea' } }] } : `Got ${toolMessages(request)[0]}`,
      toolkit.tools(),
    );
    const completion = await service!.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Price of tea?' }],
    });
    expect(completion.choices[0].message.content).toBe('Got {"key":"tea","price":42,"tags":["new"]}');
    expect(model.requests).toHaveLength(2);
  });

  it('should read the servers from an mcpServers file, with ${VAR} from the environment', async () => {
    web = new McpHttpTestServer();
    await web.start();
    const file = join(mkdtempSync(join(tmpdir(), 'mcp-file-')), 'mcp.json');
    writeFileSync(
      file,
      JSON.stringify({ mcpServers: { shop: { url: web.url, headers: { Authorization: 'Bearer ${MCP_E2E_TOKEN}' } } } }),
    );
    process.env.MCP_E2E_TOKEN = 'token-from-env';
    try {
      toolkit = await McpToolkit.fromConfigFile(file);
    } finally {
      delete process.env.MCP_E2E_TOKEN;
    }
    expect(toolkit.servers()).toEqual([
      { name: 'shop', transport: 'http', connected: true, tools: ['lookup', 'echo', 'fail', 'slow'] },
    ]);
    expect(web.headers.every((h) => h.authorization === 'Bearer token-from-env')).toBe(true);
    await expect(McpToolkit.fromConfigFile(join(tmpdir(), 'no-such-mcp.json'))).rejects.toThrow(
      /Cannot read the MCP configuration .*no-such-mcp\.json/,
    );
  });

  it('should prefix the names two servers share, and only those', async () => {
    web = new McpHttpTestServer();
    await web.start();
    toolkit = await McpToolkit.connect({ servers: { local: stdioTestServer(), web: { url: web.url } } });
    const names = toolkit.tools().map((t) => t.definition.name);
    expect(names).toEqual(expect.arrayContaining(['local__echo', 'web__echo', 'pid', 'lookup', 'slow']));
    expect(names).not.toContain('echo');
    expect(await call(toolNamed(toolkit.tools(), 'local__echo'), { text: 'hi' })).toEqual({
      content: 'stdio echo: hi',
      isError: false,
    });
    expect((await call(toolNamed(toolkit.tools(), 'web__echo'), { text: 'hi' })).content).toBe('http echo: hi');
  });

  it("should cancel a slow MCP tool when the agent's client disconnects", async () => {
    web = new McpHttpTestServer();
    await web.start();
    toolkit = await McpToolkit.connect({ servers: { web: { url: web.url } } });
    await serve(() => ({ toolCalls: [{ name: 'slow', arguments: {} }] }), toolkit.tools());
    const client = new AbortController();
    const request = fetch(`${service!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'go' }] }),
      signal: client.signal,
    }).catch((error: Error) => error);
    await waitFor(() => web!.slowCalls.length === 1, 'the slow tool to start');
    client.abort();
    await request;
    // The MCP server got `notifications/cancelled` for its call.
    await expect(web.slowCalls[0].cancelled).resolves.toBeDefined();
  });

  it('should cancel a call at its timeout and tell the model', async () => {
    web = new McpHttpTestServer();
    await web.start();
    toolkit = await McpToolkit.connect({ servers: { web: { url: web.url } }, timeoutMs: 300 });
    const outcome = await call(toolNamed(toolkit.tools(), 'slow'), {});
    expect(outcome).toEqual({ content: JSON.stringify({ error: "'slow' timed out after 300 ms." }), isError: true });
    await expect(web.slowCalls[0].cancelled).resolves.toContain('timed out');
  });

  it('should start a stdio server again after it died', async () => {
    toolkit = await McpToolkit.connect({ servers: { local: stdioTestServer() } });
    const pidTool = toolNamed(toolkit.tools(), 'pid');
    const first = Number((await call(pidTool, {})).content);
    process.kill(first, 'SIGKILL');
    await waitFor(() => !isAlive(first) && !toolkit!.servers()[0].connected, 'the server to be gone');
    const second = await call(pidTool, {});
    expect(second.isError).toBe(false);
    expect(Number(second.content)).not.toBe(first);
    expect(toolkit.servers()[0].connected).toBe(true);
  });

  it('should connect again to an HTTP server that restarted and forgot the session', async () => {
    web = new McpHttpTestServer();
    await web.start();
    toolkit = await McpToolkit.connect({ servers: { web: { url: web.url } } });
    const echo = toolNamed(toolkit.tools(), 'echo');
    expect((await call(echo, { text: 'one' })).content).toBe('http echo: one');
    await web.restart();
    expect(await call(echo, { text: 'two' })).toEqual({ content: 'http echo: two', isError: false });
  });

  it('should fail with a clear message for a server that cannot start or cannot be reached', async () => {
    await expect(McpToolkit.connect({ servers: { ghost: { command: '/no/such/mcp-server' } } })).rejects.toThrow(
      "MCP server 'ghost' could not start: the command '/no/such/mcp-server' was not found.",
    );
    const failing = McpToolkit.connect({
      servers: { broken: stdioTestServer({ MCP_TEST_FAIL_AT_START: 'config.yaml is missing' }) },
    });
    await expect(failing).rejects.toThrow(McpServerError);
    await expect(failing).rejects.toThrow(
      /'broken'.*could not start: it exited before it answered.*config\.yaml is missing/,
    );

    web = new McpHttpTestServer();
    const port = (await web.start(), web.port);
    await web.stop();
    await expect(
      McpToolkit.connect({ servers: { local: stdioTestServer(), web: { url: `http://127.0.0.1:${port}/mcp` } } }),
    ).rejects.toThrow(`MCP server 'web' at http://127.0.0.1:${port}/mcp could not be reached`);
  });
});
