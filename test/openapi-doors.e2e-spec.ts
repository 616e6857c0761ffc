import Ajv from 'ajv';
import { ChatAgent } from '../src/core/chat-agent';
import { ScriptedModel } from '../src/core/backends/scripted.model';
import { nullableToJsonSchema } from './utils/openapi-schema';
import { postJson } from './utils/sse';
import { startServer, type TestServer } from './utils/test-server';

type Schema = Record<string, unknown>;
interface Operation {
  operationId?: string;
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const MODEL = 'docs-model';

/** The `data:` payloads of an SSE body, whether or not its frames carry an `event:` line. */
async function sseData(response: Response): Promise<unknown[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .flatMap((frame) => frame.split('\n').filter((line) => line.startsWith('data: ')))
    .map((line) => line.slice('data: '.length))
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data) as unknown);
}

/**
 * Each protocol door's answers, checked against what the OpenAPI document says of them: the real body of each status
 * and media type must match the schema documented for it (OpenAPI's `nullable` read as JSON Schema's null type).
 */
describe('OpenAPI document of the protocol doors, against their real answers', () => {
  let server: TestServer;
  let document: Document;
  const ajv = new Ajv({ strict: false, allErrors: true });

  /** Checks `body` against the schema documented for `status` and `mediaType` of an operation. */
  const expectDocumented = (operationId: string, status: number, mediaType: string, body: unknown): void => {
    const operation = Object.values(document.paths)
      .flatMap((item) => Object.values(item))
      .find((op) => op.operationId === operationId);
    const schema = operation?.responses[String(status)]?.content?.[mediaType]?.schema;
    expect({ operationId, status, mediaType, documented: schema !== undefined }).toEqual({
      operationId,
      status,
      mediaType,
      documented: true,
    });
    // The document's components ride along, so `#/components/schemas/...` references resolve.
    const validate = ajv.compile({
      ...(nullableToJsonSchema(schema) as Schema),
      components: nullableToJsonSchema(document.components),
    });
    expect({ operationId, status, body, valid: validate(body), errors: validate.errors }).toEqual({
      operationId,
      status,
      body,
      valid: true,
      errors: null,
    });
  };

  beforeAll(async () => {
    const agent = new ChatAgent({ model: new ScriptedModel({ replies: ['Paris.'] }) });
    server = await startServer({ agents: { [MODEL]: agent } });
    document = (await (await fetch(`${server.url}/docs/openapi.json`)).json()) as Document;
  });
  afterAll(async () => {
    await server.close();
  });

  it('should describe the Responses routes as they answer: the Response, its stream, input items, deletion, errors', async () => {
    const created = await postJson(`${server.url}/v1/responses`, { model: MODEL, input: 'Capital of France?' });
    const response = (await created.json()) as { id: string };
    expect(created.status).toBe(200);
    expectDocumented('createResponse', 200, 'application/json', response);

    const streamed = await postJson(`${server.url}/v1/responses`, { model: MODEL, input: 'Again?', stream: true });
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await sseData(streamed);
    expect(events.length).toBeGreaterThan(2);
    for (const event of events) {
      expectDocumented('createResponse', 200, 'text/event-stream', event);
    }

    const retrieved = await fetch(`${server.url}/v1/responses/${response.id}`);
    expectDocumented('retrieveResponse', 200, 'application/json', await retrieved.json());
    const items = await fetch(`${server.url}/v1/responses/${response.id}/input_items`);
    expectDocumented('listResponseInputItems', 200, 'application/json', await items.json());
    const deleted = await fetch(`${server.url}/v1/responses/${response.id}`, { method: 'DELETE' });
    expectDocumented('deleteResponse', 200, 'application/json', await deleted.json());

    const gone = await fetch(`${server.url}/v1/responses/${response.id}`);
    expect(gone.status).toBe(404);
    expectDocumented('retrieveResponse', 404, 'application/json', await gone.json());
    const invalid = await postJson(`${server.url}/v1/responses`, { model: MODEL, input: 'Hi', temperature: 5 });
    expect(invalid.status).toBe(400);
    expectDocumented('createResponse', 400, 'application/json', await invalid.json());
    const badQuery = await fetch(`${server.url}/v1/responses/${response.id}/input_items?limit=0`);
    expect(badQuery.status).toBe(400);
    expectDocumented('listResponseInputItems', 400, 'application/json', await badQuery.json());
  });

  it('should describe the AG-UI run as it answers: its events, and the errors before the stream', async () => {
    const run = await postJson(
      `${server.url}/v1/agents/${MODEL}/ag-ui`,
      { threadId: 't', runId: 'r', messages: [{ id: 'u', role: 'user', content: 'Hi' }] },
      { headers: { 'content-type': 'application/json', accept: 'text/event-stream' } },
    );
    expect(run.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await sseData(run);
    expect(events.length).toBeGreaterThan(2);
    for (const event of events) {
      expectDocumented('runAgUi', 200, 'text/event-stream', event);
    }
    const unknown = await postJson(`${server.url}/v1/agents/nobody/ag-ui`, { threadId: 't', runId: 'r', messages: [] });
    expect(unknown.status).toBe(404);
    expectDocumented('runAgUi', 404, 'application/json', await unknown.json());
  });

  it('should describe MCP as it answers: JSON-RPC over SSE, and 405 in the OpenAI error body', async () => {
    const listed = await postJson(
      `${server.url}/mcp`,
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
      { headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } },
    );
    expect(listed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const messages = await sseData(listed);
    expect(messages).toHaveLength(1);
    expectDocumented('postMcp', 200, 'text/event-stream', messages[0]);
    const get = await fetch(`${server.url}/mcp`);
    expect(get.status).toBe(405);
    expectDocumented('getMcp', 405, 'application/json', await get.json());
  });

  it('should describe A2A as it answers: the agent cards, JSON-RPC results and error envelopes', async () => {
    const card = await fetch(`${server.url}/.well-known/agent-card.json`);
    expectDocumented('getAgentCard', 200, 'application/json', await card.json());
    const own = await fetch(`${server.url}/.well-known/agents/${MODEL}/agent-card.json`, {
      headers: { 'a2a-version': '1.0' },
    });
    expectDocumented('getAgentCardOfAgent', 200, 'application/json', await own.json());
    const unknownCard = await fetch(`${server.url}/.well-known/agents/nobody/agent-card.json`);
    expect(unknownCard.status).toBe(404);
    expectDocumented('getAgentCardOfAgent', 404, 'application/json', await unknownCard.json());

    const sent = await postJson(`${server.url}/a2a/${MODEL}`, {
      jsonrpc: '2.0',
      id: 1,
      method: 'message/send',
      params: { message: { kind: 'message', messageId: 'm1', role: 'user', parts: [{ kind: 'text', text: 'Hi' }] } },
    });
    expect(sent.status).toBe(200);
    expectDocumented('a2aJsonRpc', 200, 'application/json', await sent.json());
    const unknown = await postJson(`${server.url}/a2a/nobody`, { jsonrpc: '2.0', id: 2, method: 'tasks/get' });
    expect(unknown.status).toBe(404);
    expectDocumented('a2aJsonRpc', 404, 'application/json', await unknown.json());
  });

  it('should describe the model list and a model as they are', async () => {
    expectDocumented('listModels', 200, 'application/json', await (await fetch(`${server.url}/v1/models`)).json());
    const model = await fetch(`${server.url}/v1/models/${MODEL}`);
    expectDocumented('retrieveModel', 200, 'application/json', await model.json());
    const unknown = await fetch(`${server.url}/v1/models/nobody`);
    expect(unknown.status).toBe(404);
    expectDocumented('retrieveModel', 404, 'application/json', await unknown.json());
  });
});
