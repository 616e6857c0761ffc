import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { z } from 'zod';
import { ScriptedModel } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import { FunctionTool } from '../src/core/tools/function-tool';
import { startNginxProxy, type NginxProxy } from './utils/proxy-nginx';
import { startRedisServer, type RedisServer } from './utils/redis-server';
import { startServer, type TestServer } from './utils/test-server';
import { withEnv } from './utils/with-env';

const REPLICAS = 3;

/**
 * Three replicas of the service (each its own app, agent and backend, as separate processes would be) behind real
 * nginx running deploy/nginx.conf, sharing one real Redis through REDIS_URL.
 */
describe('Replicas sharing state through Redis', () => {
  let redis: RedisServer;
  let replicas: TestServer[] = [];
  let backends: ScriptedModel[] = [];
  let proxy: NginxProxy;

  beforeAll(async () => {
    redis = await startRedisServer();
    const env = { REDIS_URL: redis.url, API_KEYS: 'team-key,other-key', RATE_LIMIT_RPM: '4' };
    await withEnv(env, async () => {
      for (let i = 0; i < REPLICAS; i++) {
        const backend = new ScriptedModel({
          replies: (request) =>
            request.messages.some((m) => m.role === 'tool')
              ? `replica ${i} saw ${request.messages.filter((m) => m.role === 'tool').length} tool results`
              : {
                  toolCalls: [
                    { id: `own_${i}`, name: 'lookup_order', arguments: { order: 'A-1' } },
                    { id: `client_${i}`, name: 'ask_user', arguments: { question: 'Which address?' } },
                  ],
                },
        });
        backends.push(backend);
        const agent = new ChatAgent({ model: backend, tools: [lookupOrder(i)] });
        replicas.push(await startServer({ agents: agent }));
      }
    });
    proxy = await startNginxProxy(replicas.map((r) => r.url));
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all(replicas.map((r) => r.close()));
    await redis?.stop();
    replicas = [];
    backends = [];
  });

  it("should enforce one key's requests-per-minute limit across all replicas", async () => {
    const chat = (key: string) =>
      fetch(`${proxy.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then(async (res) => ({
        status: res.status,
        servedBy: res.headers.get('x-served-by'),
        body: await res.text(),
      }));
    const answers = [];
    for (let i = 0; i < 6; i++) {
      answers.push(await chat('team-key'));
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429, 429]);
    // The four allowed requests were spread over every replica: no replica alone could have counted to 4.
    expect(new Set(answers.slice(0, 4).map((a) => a.servedBy))).toEqual(
      new Set(replicas.map((r) => new URL(r.url).host)),
    );
    expect(JSON.parse(answers[4].body)).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
    // Another key has its own budget.
    expect((await chat('other-key')).status).toBe(200);
  });

  it('should finish on one replica a mixed tool turn started on another', async () => {
    const db = new Redis(redis.url);
    try {
      await db.flushdb(); // fresh rate-limit windows for this test
    } finally {
      db.disconnect();
    }
    const [first, second] = [replicas[0], replicas[1]];
    const clientOf = (server: TestServer) =>
      new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'team-key', maxRetries: 0 });
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'ask_user', parameters: { type: 'object', properties: {} } } },
    ];
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Where is my order?' },
    ];

    const started = await clientOf(first).chat.completions.create({ model: 'camel-model', messages, tools });
    const calls = started.choices[0].message.tool_calls!;
    // Only the client's own call comes back; the agent ran lookup_order itself on replica 0.
    expect(calls.map((c) => c.type === 'function' && c.function.name)).toEqual(['ask_user']);

    const finished = await clientOf(second).chat.completions.create({
      model: 'camel-model',
      tools,
      messages: [...messages, started.choices[0].message, { role: 'tool', tool_call_id: calls[0].id, content: 'Home' }],
    });
    // Replica 1 found the turn in Redis: its model saw both results, the agent's own (from replica 0) and the client's.
    expect(finished.choices[0].message.content).toBe('replica 1 saw 2 tool results');
    const seen = backends[1].requests.at(-1)!.messages;
    expect(seen.filter((m) => m.role === 'tool').map((m) => m.content)).toEqual([
      'order A-1 shipped by replica 0',
      'Home',
    ]);
  });

  it('should continue a Responses conversation on other replicas, a mixed tool turn included', async () => {
    const db = new Redis(redis.url);
    try {
      await db.flushdb(); // fresh rate-limit windows for this test
    } finally {
      db.disconnect();
    }
    const clientOf = (server: TestServer, key = 'team-key') =>
      new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
    const tools: OpenAI.Responses.Tool[] = [
      { type: 'function', name: 'ask_user', parameters: { type: 'object', properties: {} }, strict: false },
    ];

    const started = await clientOf(replicas[0]).responses.create({
      model: 'camel-model',
      input: 'Where is my order?',
      tools,
    });
    // Only the client's call is an output item; the agent ran lookup_order itself on replica 0.
    expect(started.output.map((item) => item.type === 'function_call' && item.name)).toEqual(['ask_user']);
    const call = started.output[0] as OpenAI.Responses.ResponseFunctionToolCall;

    const answered = await clientOf(replicas[1]).responses.create({
      model: 'camel-model',
      previous_response_id: started.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'Home' }],
      tools,
    });
    // Replica 1 found the conversation and the agent's half of the turn in Redis.
    expect(answered.output_text).toBe('replica 1 saw 2 tool results');

    const third = await clientOf(replicas[2])
      .responses.stream({ model: 'camel-model', previous_response_id: answered.id, input: 'Thanks!', tools })
      .finalResponse();
    expect(third.output_text).toBe('replica 2 saw 2 tool results');
    const seen = backends[2].requests.at(-1)!.messages;
    expect(seen.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant', 'user']);
    expect(seen.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['Where is my order?', 'Thanks!']);
    expect(seen.filter((m) => m.role === 'tool').map((m) => m.content)).toEqual([
      'order A-1 shipped by replica 0',
      'Home',
    ]);

    expect((await clientOf(replicas[0]).responses.retrieve(third.id)).output_text).toBe('replica 2 saw 2 tool results');
    await expect(clientOf(replicas[1], 'other-key').responses.retrieve(third.id)).rejects.toMatchObject({
      status: 404,
    });
  });

  // Last: it stops the shared Redis.
  it('should turn readiness off but keep serving (limits fail open) when Redis goes away', async () => {
    await redis.stop();
    const ready = await fetch(`${replicas[2].url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ error: { redis: { status: 'down' } } });
    const models = await fetch(`${replicas[2].url}/v1/models`, { headers: { authorization: 'Bearer other-key' } });
    expect(models.status).toBe(200);
    await models.text();
  });
});

function lookupOrder(replica: number) {
  return new FunctionTool({
    name: 'lookup_order',
    description: 'Looks an order up',
    parameters: z.object({ order: z.string() }),
    execute: ({ order }) => `order ${order} shipped by replica ${replica}`,
  });
}
