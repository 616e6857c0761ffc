import { TaskState } from '@a2a-js/sdk';
import { ScriptedModel } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import { a2aClient, answerOf, asTask, sendRequest } from './utils/a2a-client';
import { startServer, type TestServer } from './utils/test-server';
import { withEnv } from './utils/with-env';

describe('A2A with API keys (e2e)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await withEnv({ API_KEYS: 'a2a-key,other-key' }, () =>
      startServer({ agents: new ChatAgent({ model: new ScriptedModel({ replies: ['keyed answer'] }) }) }),
    );
  });

  afterAll(() => server?.close());

  it('should declare the bearer scheme on a public card and refuse calls without a key', async () => {
    const card = await fetch(`${server.url}/.well-known/agent-card.json`, { headers: { 'a2a-version': '1.0' } });
    expect(card.status).toBe(200);
    const json = (await card.json()) as Record<string, unknown>;
    expect(json.securitySchemes).toEqual({
      bearer: { httpAuthSecurityScheme: expect.objectContaining({ scheme: 'Bearer' }) as unknown },
    });
    // An empty scope list, as protobuf JSON writes it.
    expect(json.securityRequirements).toEqual([{ schemes: { bearer: {} } }]);
    const legacyCard = (await (await fetch(`${server.url}/.well-known/agent-card.json`)).json()) as Record<
      string,
      unknown
    >;
    expect(legacyCard.security).toEqual([{ bearer: [] }]);

    // The official client reads the scheme back (not the `{"$case": ...}` the SDK's own card handler would write).
    const keyless = await a2aClient(server.url);
    const parsed = await keyless.getAgentCard();
    expect(parsed.securitySchemes.bearer?.scheme?.$case).toBe('httpAuthSecurityScheme');
    await expect(keyless.sendMessage(sendRequest('hi'))).rejects.toThrow(/API key/);

    const raw = await fetch(`${server.url}/a2a/camel-model`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'r1', method: 'GetTask', params: { id: 'x' } }),
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ jsonrpc: '2.0', id: 'r1', error: { code: -32600 } });

    const keyed = await a2aClient(server.url, { key: 'a2a-key' });
    const task = asTask(await keyed.sendMessage(sendRequest('hi')));
    expect(answerOf(task)).toBe('keyed answer');
    const wrongKey = await a2aClient(server.url, { key: 'not-a-key' });
    await expect(wrongKey.getTask({ tenant: '', id: task.id, historyLength: undefined })).rejects.toThrow(/API key/);
  });

  it("should keep one key's tasks and contexts away from another key", async () => {
    const owner = await a2aClient(server.url, { key: 'a2a-key' });
    const other = await a2aClient(server.url, { key: 'other-key' });
    const task = asTask(await owner.sendMessage(sendRequest('mine')));
    expect((await owner.getTask({ tenant: '', id: task.id, historyLength: undefined })).id).toBe(task.id);
    await expect(other.getTask({ tenant: '', id: task.id, historyLength: undefined })).rejects.toThrow(/not found/i);
  });
});

describe('A2A with a request timeout (e2e)', () => {
  let server: TestServer;

  beforeAll(async () => {
    const model = new ScriptedModel({ replies: ['slow '.repeat(100)], tokenDelayMs: 50 });
    server = await withEnv({ REQUEST_TIMEOUT_MS: '300' }, () => startServer({ agents: new ChatAgent({ model }) }));
  });

  afterAll(() => server?.close());

  it('should fail the task with the timeout, in the task itself', async () => {
    const client = await a2aClient(server.url);
    const task = asTask(await client.sendMessage(sendRequest('hi')));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    const reason = task.status?.message?.parts[0].content;
    expect(reason?.$case === 'text' && reason.value).toMatch(/timed out after 300 ms/);
  });
});
