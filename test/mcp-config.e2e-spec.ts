import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '../src/server/create-server';
import { FakeUpstream } from './utils/fake-upstream';
import { McpHttpTestServer } from './utils/mcp-http-server';
import { startServer, type TestServer } from './utils/test-server';
import { isAlive } from './utils/wait-for';
import { withEnv } from './utils/with-env';

const STDIO_TEST_SERVER = join(__dirname, 'utils', 'mcp-stdio-server.ts');

function writeConfig(config: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mcp-config-')), 'mcp.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

interface ReadyBody {
  status: string;
  info?: Record<string, { status: string }>;
  error?: Record<string, { status: string; message?: string }>;
}

describe('MCP_CONFIG: MCP servers for the agent built from the environment (e2e)', () => {
  let upstream: FakeUpstream;
  let web: McpHttpTestServer;
  let service: TestServer | undefined;
  beforeEach(async () => {
    upstream = new FakeUpstream();
    web = new McpHttpTestServer();
    await web.start();
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    await upstream.stop();
    await web.stop();
  });

  async function startWith(config: unknown): Promise<TestServer> {
    const env = {
      OPENAI_BASE_URL: await upstream.start(),
      OPENAI_API_KEY: 'upstream-key',
      MCP_CONFIG: writeConfig(config),
      SHOP_KEY: 'from-the-environment',
    };
    return withEnv(env, () => startServer());
  }

  it("should give the agent the servers' tools, report them in /ready and end stdio servers at shutdown", async () => {
    service = await startWith({
      mcpServers: {
        local: { command: process.execPath, args: ['--import', 'tsx', STDIO_TEST_SERVER] },
        shop: { type: 'http', url: web.url, headers: { Authorization: 'Bearer ${SHOP_KEY}' } },
      },
    });
    upstream.responder = (body, i) => {
      if (i === 0) {
        return {
          toolCalls: [
            { name: 'lookup', arguments: '{"key":"tea"}' },
            { name: 'pid', arguments: '{}' },
          ],
          finishReason: 'tool_calls',
        };
      }
      const results = (body.messages ?? []).filter((m) => m.role === 'tool').map((m) => String(m.content));
      return { content: results.join(' | ') };
    };
    const completion = await service.client.chat.completions.create({
      model: 'camel-model',
      messages: [{ role: 'user', content: 'Price of tea?' }],
    });
    const [lookup, pid] = completion.choices[0].message.content!.split(' | ');
    expect(lookup).toBe('{"key":"tea","price":42,"tags":["new"]}');
    const offered = (upstream.completions[0].body.tools as Array<{ function: { name: string } }>).map(
      (t) => t.function.name,
    );
    expect(offered).toEqual(expect.arrayContaining(['lookup', 'pid', 'local__echo', 'shop__echo']));
    expect(web.headers.every((h) => h.authorization === 'Bearer from-the-environment')).toBe(true);

    const ready = await fetch(`${service.url}/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as ReadyBody).info).toMatchObject({
      'mcp:local': { status: 'up' },
      'mcp:shop': { status: 'up' },
    });

    await web.stop();
    const down = await fetch(`${service.url}/ready`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as ReadyBody).error).toMatchObject({ 'mcp:shop': { status: 'down' } });

    await service.close();
    service = undefined;
    expect(isAlive(Number(pid))).toBe(false);
  });

  it('should refuse to start when a configured server cannot start, saying which and why', async () => {
    await expect(startWith({ mcpServers: { ghost: { command: '/no/such/mcp-server' } } })).rejects.toThrow(
      "MCP server 'ghost' could not start: the command '/no/such/mcp-server' was not found.",
    );
  });

  it('should refuse a configuration file that is not in the mcpServers format', async () => {
    const env = { MCP_CONFIG: writeConfig({ mcpServers: { both: { command: 'x', url: 'http://127.0.0.1:1' } } }) };
    await expect(withEnv(env, () => createServer())).rejects.toThrow(
      /MCP_CONFIG: .*mcp\.json: mcpServers\.both: give either "command" \(stdio\) or "url" \(Streamable HTTP\)/,
    );
  });
});
