import { randomUUID } from 'node:crypto';
import { type AgentCard, type StreamResponse, type Task, TaskState } from '@a2a-js/sdk';
import {
  ClientFactory as LegacyClientFactory,
  JsonRpcTransportFactory as LegacyTransport,
} from 'a2a-sdk-legacy/client';
import { z } from 'zod';
import { ScriptedModel } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import { FunctionTool } from '../src/core/tools/function-tool';
import type { ModelRequest } from '../src/core/types';
import { a2aClient, answerOf, asTask, sendRequest } from './utils/a2a-client';
import { startServer, type TestServer } from './utils/test-server';

const contents = (request: ModelRequest) =>
  request.messages.map((m) => `${m.role}: ${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`);

describe('A2A (e2e, official @a2a-js/sdk clients)', () => {
  let server: TestServer;
  let helper: ScriptedModel;
  let slow: ScriptedModel;

  beforeAll(async () => {
    helper = new ScriptedModel({ replies: (request) => `You said: ${request.messages.at(-1)?.content as string}` });
    slow = new ScriptedModel({ replies: ['tick '.repeat(200)], tokenDelayMs: 50 });
    server = await startServer({
      agents: {
        helper: new ChatAgent({ model: helper, systemMessage: 'SECRET', description: 'Answers questions politely.' }),
        slow: new ChatAgent({ model: slow, systemMessage: 'You are slow.' }),
        tooled: new ChatAgent({
          model: new ScriptedModel({
            replies: (request) =>
              request.messages.some((m) => m.role === 'tool')
                ? 'It shipped.'
                : { toolCalls: [{ name: 'lookup_order', arguments: { order: 'A-1' } }] },
          }),
          tools: [
            new FunctionTool({
              name: 'lookup_order',
              description: 'Looks an order up',
              parameters: z.object({ order: z.string() }),
              execute: ({ order }) => `order ${order} shipped`,
            }),
          ],
        }),
        steady: new ChatAgent({ model: new ScriptedModel({ replies: ['step '.repeat(40)], tokenDelayMs: 25 }) }),
      },
    });
  });

  afterAll(() => server?.close());

  it('should resolve the default card with both protocol versions and the skill from the description', async () => {
    const client = await a2aClient(server.url);
    const card: AgentCard = await client.getAgentCard();
    expect(card.name).toBe('helper');
    expect(card.skills.map((s) => s.description)).toEqual(['Answers questions politely.']);
    expect(card.supportedInterfaces.map((i) => [i.protocolBinding, i.protocolVersion, i.url])).toEqual([
      ['JSONRPC', '1.0', `${server.url}/a2a/helper`],
      ['JSONRPC', '0.3', `${server.url}/a2a/helper`],
    ]);
    expect(card.capabilities?.streaming).toBe(true);
    // API keys are off: no scheme to declare, and the system message never leaves the server.
    expect(card.securitySchemes ?? {}).toEqual({});
    expect(JSON.stringify(card)).not.toContain('SECRET');
  });

  it("should serve each agent's card at /.well-known/agents/{id}/agent-card.json", async () => {
    const client = await a2aClient(server.url, { path: '.well-known/agents/slow/agent-card.json' });
    const card = await client.getAgentCard();
    expect(card.name).toBe('slow');
    // No description set: the skill falls back to the system message.
    expect(card.skills[0].description).toBe('You are slow.');
    const unknown = await fetch(`${server.url}/.well-known/agents/nobody/agent-card.json`);
    expect(unknown.status).toBe(404);
  });

  it('should answer SendMessage with a completed task holding the answer', async () => {
    const client = await a2aClient(server.url);
    const task = asTask(await client.sendMessage(sendRequest('hello')));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(answerOf(task)).toBe('You said: hello');
    expect(task.contextId).not.toBe('');

    const fetched = await client.getTask({ tenant: '', id: task.id, historyLength: undefined });
    expect(fetched.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    // Stored as one part, however many chunks it streamed in.
    expect(fetched.artifacts[0].parts).toHaveLength(1);
    expect(answerOf(fetched)).toBe('You said: hello');
  });

  it('should stream SendStreamingMessage as task, status and artifact updates', async () => {
    const client = await a2aClient(server.url);
    const events: StreamResponse[] = [];
    for await (const event of client.sendMessageStream(sendRequest('stream me'))) {
      events.push(event);
    }
    const kinds = events.map((e) => e.payload?.$case);
    expect(kinds[0]).toBe('task');
    expect(kinds).toContain('artifactUpdate');
    const states = events.flatMap((e) => (e.payload?.$case === 'statusUpdate' ? [e.payload.value.status?.state] : []));
    expect(states).toEqual([TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_COMPLETED]);
    const chunks = events.flatMap((e) => (e.payload?.$case === 'artifactUpdate' ? [e.payload.value] : []));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((c) => [c.append, c.lastChunk])).toEqual(chunks.map((_, i) => [i > 0, i === chunks.length - 1]));
    const text = chunks.map((c) =>
      c.artifact?.parts[0].content?.$case === 'text' ? c.artifact.parts[0].content.value : '',
    );
    expect(text.join('')).toBe('You said: stream me');
  });

  it("should say in a status message when the agent runs its own tools, and list them as the skill's tags", async () => {
    const path = '.well-known/agents/tooled/agent-card.json';
    const client = await a2aClient(server.url, { path });
    expect((await client.getAgentCard()).skills[0].tags).toEqual(['chat', 'lookup_order']);
    const notes: string[] = [];
    for await (const event of client.sendMessageStream(sendRequest('where is A-1?'))) {
      const part = event.payload?.$case === 'statusUpdate' ? event.payload.value.status?.message?.parts[0] : undefined;
      if (part?.content?.$case === 'text') {
        notes.push(part.content.value);
      }
    }
    expect(notes).toEqual(['Running lookup_order.']);
  });

  it('should continue a context: the second message reaches the model after the first turn', async () => {
    const client = await a2aClient(server.url);
    const first = asTask(await client.sendMessage(sendRequest('my name is Ada')));
    const second = asTask(await client.sendMessage(sendRequest('what is my name?', first.contextId)));
    expect(second.contextId).toBe(first.contextId);
    expect(second.id).not.toBe(first.id);
    expect(contents(helper.requests.at(-1)!)).toEqual([
      'system: SECRET',
      'user: my name is Ada',
      'assistant: You said: my name is Ada',
      'user: what is my name?',
    ]);
    // Another context starts empty.
    await client.sendMessage(sendRequest('fresh'));
    expect(contents(helper.requests.at(-1)!)).toEqual(['system: SECRET', 'user: fresh']);
  });

  it('should cancel a running task with CancelTask, stopping the run', async () => {
    const client = await a2aClient(server.url, { path: '.well-known/agents/slow/agent-card.json' });
    const events: StreamResponse[] = [];
    let canceled: Task | undefined;
    for await (const event of client.sendMessageStream(sendRequest('go'))) {
      events.push(event);
      if (event.payload?.$case === 'artifactUpdate' && !canceled) {
        canceled = await client.cancelTask({ tenant: '', id: event.payload.value.taskId, metadata: undefined });
      }
    }
    expect(canceled?.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const last = events.at(-1)?.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const stored = await client.getTask({ tenant: '', id: canceled!.id, historyLength: undefined });
    expect(stored.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    // The run stopped well before its 200 tokens.
    expect(answerOf(stored).length).toBeLessThan('tick '.repeat(200).length);
  });

  it('should cancel the task when the streaming client leaves', async () => {
    const client = await a2aClient(server.url, { path: '.well-known/agents/slow/agent-card.json' });
    const leave = new AbortController();
    let taskId = '';
    await expect(
      (async () => {
        for await (const event of client.sendMessageStream(sendRequest('go'), { signal: leave.signal })) {
          if (event.payload?.$case === 'artifactUpdate') {
            taskId = event.payload.value.taskId;
            leave.abort();
          }
        }
      })(),
    ).rejects.toThrow();
    // The server hears the disconnect on its own schedule: wait for the task to settle.
    let task = await client.getTask({ tenant: '', id: taskId, historyLength: undefined });
    while (task.status?.state === TaskState.TASK_STATE_WORKING) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      task = await client.getTask({ tenant: '', id: taskId, historyLength: undefined });
    }
    expect(task.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
  });

  it('should let a client started with returnImmediately follow its task with SubscribeToTask', async () => {
    const path = '.well-known/agents/steady/agent-card.json';
    const client = await a2aClient(server.url, { path, polling: true });
    const started = asTask(await client.sendMessage(sendRequest('go')));
    expect(started.status?.state).not.toBe(TaskState.TASK_STATE_COMPLETED);
    const states: Array<TaskState | undefined> = [];
    for await (const event of client.resubscribeTask({ tenant: '', id: started.id })) {
      if (event.payload?.$case === 'statusUpdate') {
        states.push(event.payload.value.status?.state);
      }
    }
    expect(states.at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);
    const done = await client.getTask({ tenant: '', id: started.id, historyLength: undefined });
    expect(answerOf(done)).toBe('step '.repeat(40));
    // The run outlived its request without counting as one of its open streams.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^chat_agent_open_streams 0$/m);
  });

  it('should refuse an unknown agent and an unknown task in JSON-RPC error form', async () => {
    const unknownAgent = await fetch(`${server.url}/a2a/nobody`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'GetTask', params: { id: 'x' } }),
    });
    expect(unknownAgent.status).toBe(404);
    expect(await unknownAgent.json()).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32600 } });

    const client = await a2aClient(server.url);
    await expect(client.getTask({ tenant: '', id: randomUUID(), historyLength: undefined })).rejects.toThrow(
      /not found/i,
    );
  });

  it("should speak the previous version's methods to the official 0.3 client", async () => {
    const factory = new LegacyClientFactory({ transports: [new LegacyTransport({ fetchImpl: fetch })] });
    const client = await factory.createFromUrl(server.url);
    const sent = await client.sendMessage({
      message: { kind: 'message', messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'old hi' }] },
    });
    expect(sent.kind).toBe('task');
    const task = sent as Extract<typeof sent, { kind: 'task' }>;
    expect(task.status.state).toBe('completed');
    expect(task.artifacts?.[0].parts).toEqual([{ kind: 'text', text: 'You said: old hi' }]);

    const kinds: string[] = [];
    let streamed = '';
    for await (const event of client.sendMessageStream({
      message: {
        kind: 'message',
        messageId: randomUUID(),
        role: 'user',
        contextId: task.contextId,
        parts: [{ kind: 'text', text: 'again' }],
      },
    })) {
      kinds.push(event.kind === 'status-update' ? `${event.kind}:${event.status.state}` : event.kind);
      if (event.kind === 'artifact-update') {
        streamed += event.artifact.parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');
      }
    }
    expect(kinds[0]).toBe('task');
    expect(kinds.at(-1)).toBe('status-update:completed');
    expect(streamed).toBe('You said: again');
    // The 0.3 context continued too.
    expect(contents(helper.requests.at(-1)!).slice(1, 3)).toEqual(['user: old hi', 'assistant: You said: old hi']);

    const fetched = await client.getTask({ id: task.id });
    expect(fetched.status.state).toBe('completed');

    const slowClient = await factory.createFromUrl(server.url, '.well-known/agents/slow/agent-card.json');
    const started = await slowClient.sendMessage({
      message: { kind: 'message', messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'go' }] },
      configuration: { blocking: false },
    });
    expect(started.kind).toBe('task');
    const canceled = await slowClient.cancelTask({ id: (started as { id: string }).id });
    expect(canceled.status.state).toBe('canceled');
  });
});
