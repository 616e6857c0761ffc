import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import OpenAI from 'openai';
import { ScriptedModel } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import type { ModelRequest } from '../src/core/types';
import { startServer, type TestServer } from './utils/test-server';
import { withEnv } from './utils/with-env';

/** Every user and assistant message the model saw, as `role: text`, in order. */
const transcript = (request: ModelRequest) =>
  request.messages
    .filter((m) => m.role === 'user' || m.role === 'assistant')
    .map((m) => `${m.role}: ${typeof m.content === 'string' ? m.content : ''}`);
const lastUser = (request: ModelRequest) =>
  transcript(request)
    .filter((line) => line.startsWith('user: '))
    .pop();

interface ToolOutput {
  answer: string;
  conversation_id: string;
}
const outputOf = (result: unknown) => (result as CallToolResult).structuredContent as unknown as ToolOutput;
const textsOf = (result: unknown) => (result as CallToolResult).content.map((c) => (c as { text: string }).text);

describe('MCP conversations on the Responses store (e2e)', () => {
  let model: ScriptedModel;
  let service: TestServer | undefined;
  const clients: Client[] = [];
  beforeEach(() => {
    model = new ScriptedModel({ replies: (request) => `heard ${lastUser(request)?.slice(6)}` });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await service?.close();
    service = undefined;
  });

  async function serve(env: Record<string, string> = {}): Promise<string> {
    service = await withEnv(env, () => startServer({ agents: { alpha: new ChatAgent({ model }) } }));
    return service.url;
  }

  async function mcpClient(url: string, apiKey?: string): Promise<Client> {
    const client = new Client({ name: 'mcp-conversations-e2e', version: '1.0.0' });
    const headers: Record<string, string> = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
    clients.push(client);
    return client;
  }

  const openai = (url: string, apiKey = 'none') => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });

  it('should declare conversation_id in and out, and continue a conversation over two calls', async () => {
    const mcp = await mcpClient(await serve());
    const [tool] = (await mcp.listTools()).tools;
    expect(Object.keys(tool.inputSchema.properties ?? {})).toEqual(['message', 'conversation_id']);
    expect(tool.inputSchema.required).toEqual(['message']);
    expect(tool.outputSchema).toMatchObject({ required: ['answer', 'conversation_id'] });

    const first = await mcp.callTool({ name: 'alpha', arguments: { message: 'my name is Ada' } });
    expect(first.isError).toBeFalsy();
    const { conversation_id: firstId, answer } = outputOf(first);
    expect(answer).toBe('heard my name is Ada');
    expect(firstId).toMatch(/^resp_/);
    expect(textsOf(first)).toEqual(['heard my name is Ada', expect.stringContaining(firstId)]);

    const second = await mcp.callTool({
      name: 'alpha',
      arguments: { message: 'what is my name?', conversation_id: firstId },
    });
    expect(outputOf(second).answer).toBe('heard what is my name?');
    const secondId = outputOf(second).conversation_id;
    expect(secondId).not.toBe(firstId);
    expect(transcript(model.requests[1])).toEqual([
      'user: my name is Ada',
      'assistant: heard my name is Ada',
      'user: what is my name?',
    ]);

    // Without an id, a new conversation: the model sees the new message alone.
    const fresh = await mcp.callTool({ name: 'alpha', arguments: { message: 'hello' } });
    expect(outputOf(fresh).conversation_id).not.toBe(secondId);
    expect(transcript(model.requests[2])).toEqual(['user: hello']);
  });

  it('should continue an MCP conversation through /v1/responses, and a Responses one through MCP', async () => {
    const url = await serve();
    const mcp = await mcpClient(url);
    const responses = openai(url);

    const started = await mcp.callTool({ name: 'alpha', arguments: { message: 'one' } });
    const continued = await responses.responses.create({
      model: 'alpha',
      input: 'two',
      previous_response_id: outputOf(started).conversation_id,
    });
    expect(continued.output_text).toBe('heard two');
    expect(transcript(model.requests[1])).toEqual(['user: one', 'assistant: heard one', 'user: two']);
    // The MCP turn is a stored response like any other.
    const stored = await responses.responses.retrieve(outputOf(started).conversation_id);
    expect(stored).toMatchObject({ status: 'completed', model: 'alpha', output_text: 'heard one' });

    const back = await mcp.callTool({ name: 'alpha', arguments: { message: 'three', conversation_id: continued.id } });
    expect(outputOf(back).answer).toBe('heard three');
    expect(transcript(model.requests[2])).toEqual([
      'user: one',
      'assistant: heard one',
      'user: two',
      'assistant: heard two',
      'user: three',
    ]);
  });

  it("should refuse an unknown conversation and another key's, as a tool error", async () => {
    const url = await serve({ API_KEYS: 'key-a,key-b' });
    const [a, b] = [await mcpClient(url, 'key-a'), await mcpClient(url, 'key-b')];
    const mine = outputOf(await a.callTool({ name: 'alpha', arguments: { message: 'secret' } })).conversation_id;

    const foreign = await b.callTool({ name: 'alpha', arguments: { message: 'tell me', conversation_id: mine } });
    expect(foreign.isError).toBe(true);
    expect(textsOf(foreign)).toEqual([`Conversation with id '${mine}' not found.`]);
    const unknown = await a.callTool({ name: 'alpha', arguments: { message: 'hi', conversation_id: 'resp_nope' } });
    expect(unknown.isError).toBe(true);
    expect(textsOf(unknown)).toEqual(["Conversation with id 'resp_nope' not found."]);
    // Neither reached the model; the owner's key still continues it, over MCP and over /v1/responses.
    expect(model.requests).toHaveLength(1);
    await expect(
      openai(url, 'key-b').responses.create({ model: 'alpha', input: 'x', previous_response_id: mine }),
    ).rejects.toMatchObject({ status: 404 });
    const own = await a.callTool({ name: 'alpha', arguments: { message: 'again', conversation_id: mine } });
    expect(outputOf(own).answer).toBe('heard again');
    const viaResponses = await openai(url, 'key-a').responses.create({
      model: 'alpha',
      input: 'and again',
      previous_response_id: outputOf(own).conversation_id,
    });
    expect(viaResponses.output_text).toBe('heard and again');
    expect(transcript(model.requests[2])).toHaveLength(5);
  });
});
