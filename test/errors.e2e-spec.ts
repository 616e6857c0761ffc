import OpenAI from 'openai';
import request from 'supertest';
import { ChatAgent } from '../src/core/chat-agent';
import { ScriptedModel } from '../src/core/backends/scripted.model';
import { OpenAICompatibleModel } from '../src/core/backends/openai-compatible.model';
import type { ModelBackend } from '../src/core/model-backend';
import { postJson, readSseData } from './utils/sse';
import { startServer, startUpstreamStack, type TestServer, type UpstreamStack } from './utils/test-server';

const errorShape = { error: { message: expect.any(String), type: expect.any(String) } };

function expectErrorBody(body: unknown, fields: Partial<Record<'type' | 'param' | 'code', string | null>>): void {
  expect(body).toMatchObject(errorShape);
  const error = (body as { error: Record<string, unknown> }).error;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof error.code === 'string' || error.code === null).toBe(true);
  expect(typeof error.param === 'string' || error.param === null).toBe(true);
  expect(error).toMatchObject(fields);
}

describe('Errors: one OpenAI shape with the right status', () => {
  let stack: UpstreamStack;

  beforeAll(async () => {
    stack = await startUpstreamStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const post = (body: unknown) =>
    request(stack.app.getHttpServer())
      .post('/v1/chat/completions')
      .send(body as object);

  describe('validation (400 invalid_request_error with param)', () => {
    it.each([
      [{ messages: [{ role: 'usr', content: 'x' }] }, 'messages.0.role'],
      [{ messages: [] }, 'messages'],
      [{}, 'messages'],
      [{ messages: 'hello' }, 'messages'],
      [
        {
          messages: [
            { role: 'user', content: 'x' },
            { role: 'tool', content: 'y' },
          ],
        },
        'messages.1.tool_call_id',
      ],
      [{ messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'messages.0.content'],
      [{ messages: [{ role: 'user', content: 42 }] }, 'messages.0.content'],
      [{ messages: [{ role: 'user', content: 'x' }], temperature: 3 }, 'temperature'],
      [{ messages: [{ role: 'user', content: 'x' }], temperature: '0.5' }, 'temperature'],
      [{ messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }, 'max_tokens'],
      [{ messages: [{ role: 'user', content: 'x' }], stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [{ messages: [{ role: 'user', content: 'x' }], n: 0 }, 'n'],
      [{ messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
      [
        { messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'bad name' } }] },
        'tools.0.function.name',
      ],
      [{ messages: [{ role: 'user', content: 'x' }], tool_choice: 'sometimes' }, 'tool_choice'],
      [{ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'xml' } }, 'response_format.type'],
      [
        { messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema' } },
        'response_format.json_schema',
      ],
      [
        {
          messages: [
            { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f' } }] },
          ],
        },
        'messages.0.tool_calls.0.function.arguments',
      ],
    ])('should reject %j at %s', async (body, param) => {
      const res = await post(body).expect(400);
      expectErrorBody(res.body, { type: 'invalid_request_error', param });
      expect(res.body.error.message).toContain(param);
      // Plain words, not class-validator's "must contain at least 1 elements".
      expect(res.body.error.message).not.toMatch(/1 elements/);
      expect(stack.upstream.completions).toHaveLength(0);
    });

    it('should reject a named tool_choice that is not among the tools', async () => {
      const res = await post({
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'function', function: { name: 'a' } }],
        tool_choice: { type: 'function', function: { name: 'b' } },
      }).expect(400);
      expectErrorBody(res.body, { type: 'invalid_request_error', param: 'tool_choice' });
    });

    it('should answer a JSON array for a body with 400 naming messages, not 500', async () => {
      for (const body of [[], [{ messages: [{ role: 'user', content: 'x' }] }]]) {
        const res = await request(stack.app.getHttpServer()).post('/v1/chat/completions').send(body).expect(400);
        expectErrorBody(res.body, { type: 'invalid_request_error', param: 'messages' });
      }
      expect(stack.upstream.completions).toHaveLength(0);
    });

    it('should answer malformed JSON with 400', async () => {
      const res = await request(stack.app.getHttpServer())
        .post('/v1/chat/completions')
        .set('content-type', 'application/json')
        .send('{"messages": [')
        .expect(400);
      expectErrorBody(res.body, { type: 'invalid_request_error' });
    });

    it('should answer a form-encoded body (curl -d) with 415 naming content-type', async () => {
      const res = await request(stack.app.getHttpServer())
        .post('/v1/chat/completions')
        .type('form')
        .send('{"messages":[{"role":"user","content":"x"}]}')
        .expect(415);
      expectErrorBody(res.body, {
        type: 'invalid_request_error',
        param: 'content-type',
        code: 'unsupported_media_type',
      });
      expect(res.body.error.message).toContain("'application/x-www-form-urlencoded'");
      expect(stack.upstream.completions).toHaveLength(0);
    });

    it('should answer a JSON text sent as text/plain with 415, and an empty POST with the missing field', async () => {
      const plain = await request(stack.app.getHttpServer())
        .post('/v1/chat/completions')
        .set('content-type', 'text/plain')
        .send('{"messages":[{"role":"user","content":"x"}]}')
        .expect(415);
      expectErrorBody(plain.body, { param: 'content-type' });
      const empty = await request(stack.app.getHttpServer()).post('/v1/chat/completions').expect(400);
      expectErrorBody(empty.body, { param: 'messages' });
    });

    it('should answer a body over the limit with 413', async () => {
      const res = await post({ messages: [{ role: 'user', content: 'x'.repeat(11 * 1024 * 1024) }] }).expect(413);
      expectErrorBody(res.body, { type: 'invalid_request_error', code: 'request_too_large' });
    });

    it('should reject validation errors before a stream starts as plain HTTP errors', async () => {
      const response = await postJson(`${stack.url}/v1/chat/completions`, { stream: true, messages: [{ role: 'x' }] });
      expect(response.status).toBe(400);
      expectErrorBody(await response.json(), { param: 'messages.0.role' });
    });
  });

  describe('not found', () => {
    it('should answer an unknown model with 404 model_not_found naming the served ids', async () => {
      const res = await post({ model: 'gpt-nope', messages: [{ role: 'user', content: 'x' }] }).expect(404);
      expectErrorBody(res.body, { type: 'invalid_request_error', param: 'model', code: 'model_not_found' });
      expect(res.body.error.message).toContain('camel-model');
      // The official client sees a NotFoundError with the message.
      await expect(
        stack.client.chat.completions.create({
          model: 'gpt-nope',
          messages: [{ role: 'user', content: 'x' }],
          stream: true,
        }),
      ).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    });

    it('should answer an unknown route with a 404 error body', async () => {
      const res = await request(stack.app.getHttpServer()).get('/v1/nothing-here').expect(404);
      expectErrorBody(res.body, { code: 'not_found' });
    });
  });

  describe('upstream failures', () => {
    afterEach(() => {
      stack.upstream.responder = () => ({ content: 'ok' });
    });

    it('should map an upstream 500 to a 502 server_error', async () => {
      stack.upstream.responder = () => ({ status: 500, errorBody: { error: { message: 'boom' } } });
      const res = await post({ messages: [{ role: 'user', content: 'x' }] }).expect(502);
      expectErrorBody(res.body, { type: 'server_error', code: 'upstream_error' });
      // Our own words with the upstream's status: what an upstream writes may echo its credentials (issue 12).
      expect(res.body.error.message).toContain('status 500');
      expect(res.body.error.message).not.toContain('boom');
    });

    it('should pass an upstream 429 through with its retry headers', async () => {
      stack.upstream.responder = () => ({
        status: 429,
        headers: { 'retry-after': '7', 'retry-after-ms': '7000' },
        errorBody: { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } },
      });
      const res = await post({ messages: [{ role: 'user', content: 'x' }] }).expect(429);
      expectErrorBody(res.body, { code: 'rate_limit_exceeded' });
      expect(res.headers['retry-after']).toBe('7');
      expect(res.headers['retry-after-ms']).toBe('7000');
    });

    it('should answer an unreachable upstream with 502', async () => {
      const dead = new ChatAgent({
        model: new OpenAICompatibleModel({ model: 'm', baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k' }),
      });
      const server = await startServer({ agents: dead });
      try {
        const res = await request(server.app.getHttpServer())
          .post('/v1/chat/completions')
          .send({ messages: [{ role: 'user', content: 'x' }] })
          .expect(502);
        expectErrorBody(res.body, { type: 'server_error', code: 'upstream_unreachable' });
      } finally {
        await server.close();
      }
    });
  });

  describe('unexpected failures', () => {
    let server: TestServer;
    const broken: ModelBackend = {
      modelName: 'broken',
      generate: () => Promise.reject(new Error('secret internal detail at /srv/app.js:12')),
      // eslint-disable-next-line require-yield
      stream: async function* () {
        await Promise.resolve();
        throw new Error('secret internal detail at /srv/app.js:12');
      },
    };

    beforeAll(async () => {
      server = await startServer({ agents: new ChatAgent({ model: broken }) });
    });
    afterAll(async () => {
      await server.close();
    });

    it('should answer 500 server_error without leaking the message or a stack', async () => {
      const res = await request(server.app.getHttpServer())
        .post('/v1/chat/completions')
        .send({ messages: [{ role: 'user', content: 'x' }] })
        .expect(500);
      expectErrorBody(res.body, { type: 'server_error' });
      expect(JSON.stringify(res.body)).not.toMatch(/secret|\/srv|at /);
    });

    it('should answer a stream that fails before its first event with a plain 500', async () => {
      const response = await postJson(`${server.url}/v1/chat/completions`, {
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      });
      expect(response.status).toBe(500);
      expectErrorBody(await response.json(), { type: 'server_error' });
    });
  });

  describe('the official client', () => {
    it('should read our error bodies (message, type, code) on a 400', async () => {
      const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const error = (await client.chat.completions
        .create({ model: 'camel-model', messages: [{ role: 'user', content: 'x' }], temperature: 5 })
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.message).toContain('temperature');
      expect(error.param).toBe('temperature');
      expect(error.type).toBe('invalid_request_error');
    });
  });

  describe('a mid-stream failure of a scripted backend', () => {
    it('should write one error frame after the content already sent', async () => {
      let calls = 0;
      const flaky: ModelBackend = {
        modelName: 'flaky',
        generate: () => Promise.reject(new Error('unused')),
        stream: async function* () {
          calls++;
          yield { type: 'text' as const, text: 'partial' };
          await Promise.resolve();
          throw new Error('backend crashed');
        },
      };
      const server = await startServer({ agents: new ChatAgent({ model: flaky }) });
      try {
        const response = await postJson(`${server.url}/v1/chat/completions`, {
          stream: true,
          messages: [{ role: 'user', content: 'x' }],
        });
        expect(response.status).toBe(200);
        const data = await readSseData(response);
        expect(JSON.parse(data[1]).choices[0].delta.content).toBe('partial');
        expectErrorBody(JSON.parse(data.at(-1)!), { type: 'server_error' });
        expect(data).not.toContain('[DONE]');
        expect(calls).toBe(1);
      } finally {
        await server.close();
      }
    });
  });

  it('should keep ScriptedModel importable for error tests', () => {
    expect(new ScriptedModel().modelName).toBe('scripted');
  });
});
