import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ScriptedModel } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import { FunctionTool } from '../src/core/tools/function-tool';
import type { ModelRequest } from '../src/core/types';
import { startServer, type TestServer } from './utils/test-server';
import { waitFor } from './utils/wait-for';
import { withEnv } from './utils/with-env';

const lastUser = (request: ModelRequest) =>
  request.messages.filter((m) => m.role === 'user').map((m) => m.content as string)[0];
const toolMessages = (request: ModelRequest) =>
  request.messages.filter((m) => m.role === 'tool').map((m) => m.content as string);
const textOf = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

/** Weather for the model's first call, then an answer quoting it; the slow variant waits until aborted. */
class Fixture {
  readonly aborted: string[] = [];
  readonly started: string[] = [];
  readonly alphaModel = new ScriptedModel({
    replies: (request) => {
      if (lastUser(request).startsWith('weather') && toolMessages(request).length === 0) {
        return {
          toolCalls: [
            {
              name: lastUser(request).endsWith('slowly') ? 'slow_weather' : 'get_weather',
              arguments: { city: 'Oslo' },
            },
          ],
        };
      }
      return toolMessages(request).length > 0
        ? `Oslo: ${toolMessages(request)[0]}`
        : `alpha heard: ${lastUser(request)}`;
    },
    tokenDelayMs: 5,
  });
  readonly agents = {
    alpha: new ChatAgent({
      model: this.alphaModel,
      tools: [
        new FunctionTool({
          name: 'get_weather',
          parameters: z.object({ city: z.string() }),
          execute: () => '21C',
        }),
        new FunctionTool({
          name: 'slow_weather',
          parameters: z.object({ city: z.string() }),
          execute: (_args, { signal, toolCallId }) =>
            new Promise((_resolve, reject) => {
              this.started.push(toolCallId);
              signal.addEventListener('abort', () => {
                this.aborted.push(toolCallId);
                reject(new Error('aborted'));
              });
            }),
        }),
      ],
    }),
    'beta.agent': new ChatAgent({
      model: new ScriptedModel({ replies: (request) => `beta heard: ${lastUser(request)}` }),
    }),
  };
}

async function connectClient(url: string, apiKey?: string): Promise<Client> {
  const client = new Client({ name: 'mcp-e2e', version: '1.0.0' });
  const headers: Record<string, string> = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
  return client;
}

describe('The agents as an MCP server at /mcp (e2e)', () => {
  let fixture: Fixture;
  let service: TestServer | undefined;
  const clients: Client[] = [];
  beforeEach(() => {
    fixture = new Fixture();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await service?.close();
    service = undefined;
  });

  async function serve(env: Record<string, string> = {}): Promise<string> {
    service = await withEnv(env, () => startServer({ agents: fixture.agents }));
    return service.url;
  }

  async function client(url: string, apiKey?: string): Promise<Client> {
    const connected = await connectClient(url, apiKey);
    clients.push(connected);
    return connected;
  }

  it('should list one tool per served agent and answer a call with the agent', async () => {
    const mcp = await client(await serve());
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name)).toEqual(['alpha', 'beta.agent']);
    expect(tools[0].inputSchema).toMatchObject({ type: 'object', required: ['message'] });
    expect(tools[0].description).toContain("'alpha'");

    const result = await mcp.callTool({ name: 'beta.agent', arguments: { message: 'hello' } });
    expect((result as CallToolResult).content[0]).toEqual({ type: 'text', text: 'beta heard: hello' });
    expect(result.structuredContent).toMatchObject({ answer: 'beta heard: hello' });
    expect(result.isError).toBeFalsy();

    const invalid = await mcp.callTool({ name: 'alpha', arguments: {} });
    expect(invalid.isError).toBe(true);
  });

  it("should report progress while the agent's own tool runs", async () => {
    const mcp = await client(await serve());
    const progress: Progress[] = [];
    const result = await mcp.callTool({ name: 'alpha', arguments: { message: 'weather in Oslo' } }, undefined, {
      onprogress: (update) => progress.push(update),
    });
    expect(textOf(result)).toBe('Oslo: 21C');
    expect(progress).toEqual([
      { progress: 1, message: 'Running get_weather' },
      { progress: 2, message: 'Finished get_weather' },
    ]);
  });

  it('should refuse a client without the API key, and serve one with it', async () => {
    const url = await serve({ API_KEYS: 'mcp-key' });
    await expect(connectClient(url)).rejects.toThrow(/401|invalid_api_key|API key/);
    await expect(connectClient(url, 'wrong-key')).rejects.toThrow(/Incorrect API key/);
    const mcp = await client(url, 'mcp-key');
    expect(textOf(await mcp.callTool({ name: 'beta.agent', arguments: { message: 'hi' } }))).toBe('beta heard: hi');
  });

  it('should keep two calls in parallel apart, from one client and from two', async () => {
    const url = await serve();
    const [first, second] = [await client(url), await client(url)];
    const results = await Promise.all([
      first.callTool({ name: 'alpha', arguments: { message: 'one one one' } }),
      first.callTool({ name: 'alpha', arguments: { message: 'two two two' } }),
      second.callTool({ name: 'alpha', arguments: { message: 'three three three' } }),
    ]);
    expect(results.map(textOf)).toEqual([
      'alpha heard: one one one',
      'alpha heard: two two two',
      'alpha heard: three three three',
    ]);
    // Each run saw only its own message.
    expect(fixture.alphaModel.requests.map((r) => r.messages.filter((m) => m.role === 'user').length)).toEqual([
      1, 1, 1,
    ]);
  });

  it('should stop the agent when the client cancels the call (notifications/cancelled)', async () => {
    const mcp = await client(await serve());
    const cancel = new AbortController();
    const call = mcp
      .callTool({ name: 'alpha', arguments: { message: 'weather, slowly' } }, undefined, { signal: cancel.signal })
      .catch((error: Error) => error);
    await waitFor(() => fixture.started.length === 1, "the agent's slow tool to start");
    cancel.abort('user pressed stop');
    expect(await call).toBeInstanceOf(Error);
    await waitFor(() => fixture.aborted.length === 1, "the agent's tool to be aborted");
    // The server still serves this client.
    expect(textOf(await mcp.callTool({ name: 'beta.agent', arguments: { message: 'still there?' } }))).toBe(
      'beta heard: still there?',
    );
  });

  it('should stop the agent when the client goes away mid-call', async () => {
    const mcp = await connectClient(await serve());
    void mcp.callTool({ name: 'alpha', arguments: { message: 'weather, slowly' } }).catch(() => undefined);
    await waitFor(() => fixture.started.length === 1, "the agent's slow tool to start");
    await mcp.close();
    await waitFor(() => fixture.aborted.length === 1, "the agent's tool to be aborted");
  });

  it("should apply the server's request timeout to a call, as on /v1", async () => {
    const mcp = await client(await serve({ REQUEST_TIMEOUT_MS: '300' }));
    const result = await mcp.callTool({ name: 'alpha', arguments: { message: 'weather, slowly' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('The request timed out after 300 ms.');
    await waitFor(() => fixture.aborted.length === 1, "the agent's tool to be aborted");
  });

  it('should answer GET and DELETE with 405, as a stateless server does, and document the route', async () => {
    const url = await serve();
    const response = await fetch(`${url}/mcp`, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
    expect((await fetch(`${url}/mcp`, { method: 'DELETE' })).status).toBe(405);
    const docs = (await (await fetch(`${url}/docs/openapi.json`)).json()) as { paths: Record<string, object> };
    expect(Object.keys(docs.paths['/mcp'])).toEqual(expect.arrayContaining(['post', 'get', 'delete']));
  });
});
