import request from 'supertest';
import { ChatAgent } from '../src/core/chat-agent';
import { ScriptedModel } from '../src/core/backends/scripted.model';
import type { SystemMessagePolicy } from '../src/core/chat-agent';
import { startServer, type TestServer } from './utils/test-server';

function agentWithPolicy(policy: SystemMessagePolicy, backend: ScriptedModel): ChatAgent {
  return new ChatAgent({ systemMessage: 'AGENT RULES', systemMessagePolicy: policy, model: backend });
}

describe('Service: models, paths, system message policies, docs', () => {
  const backends = {
    append: new ScriptedModel({ replies: ['ok'] }),
    replace: new ScriptedModel({ replies: ['ok'] }),
    ignore: new ScriptedModel({ replies: ['ok'] }),
  };
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({
      agents: {
        'agent-append': agentWithPolicy('append', backends.append),
        'agent-replace': agentWithPolicy('replace', backends.replace),
        'agent-ignore': agentWithPolicy('ignore', backends.ignore),
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  describe('models', () => {
    it('should list every served agent under its model id', async () => {
      const list = await server.client.models.list();
      expect(list.data.map((m) => m.id)).toEqual(['agent-append', 'agent-replace', 'agent-ignore']);
      expect(list.data[0]).toMatchObject({ object: 'model', owned_by: 'chat-agent-server' });
    });

    it('should describe one model and 404 an unknown one', async () => {
      const model = await server.client.models.retrieve('agent-replace');
      expect(model.id).toBe('agent-replace');
      const res = await request(server.app.getHttpServer()).get('/v1/models/nope').expect(404);
      expect(res.body.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    });

    it.each(['/v1/models/', '/v1//models', '//v1/models', '/v1//models/?x=1'])(
      'should not 404 on a sloppy path %s',
      async (path) => {
        const res = await request(server.app.getHttpServer()).get(path).expect(200);
        expect(res.body.object).toBe('list');
      },
    );

    it('should route a chat completion posted to a doubled-slash path', async () => {
      await request(server.app.getHttpServer())
        .post('/v1//chat/completions/')
        .send({ model: 'agent-append', messages: [{ role: 'user', content: 'hi' }] })
        .expect(200);
    });
  });

  describe('system message policies', () => {
    const messages = [
      { role: 'system' as const, content: 'CLIENT SYSTEM' },
      { role: 'user' as const, content: 'hi' },
      { role: 'developer' as const, content: 'CLIENT DEV' },
      { role: 'user' as const, content: 'again' },
    ];

    it.each([
      ['append', ['system:AGENT RULES', 'system:CLIENT SYSTEM', 'user:hi', 'developer:CLIENT DEV', 'user:again']],
      ['replace', ['system:CLIENT SYSTEM', 'user:hi', 'developer:CLIENT DEV', 'user:again']],
      ['ignore', ['system:AGENT RULES', 'user:hi', 'user:again']],
    ] as const)('should apply %s', async (policy, expected) => {
      const backend = backends[policy];
      backend.requests.length = 0;
      await server.client.chat.completions.create({ model: `agent-${policy}`, messages });
      expect(backend.requests[0].messages.map((m) => `${m.role}:${m.content as string}`)).toEqual(expected);
    });

    it('should keep the agent system message when the client sends none, whatever the policy', async () => {
      for (const policy of ['append', 'replace', 'ignore'] as const) {
        backends[policy].requests.length = 0;
        await server.client.chat.completions.create({
          model: `agent-${policy}`,
          messages: [{ role: 'user', content: 'hi' }],
        });
        expect(backends[policy].requests[0].messages[0]).toEqual({ role: 'system', content: 'AGENT RULES' });
      }
    });
  });

  describe('defaults', () => {
    it('should serve the first agent when the request names no model', async () => {
      backends.append.requests.length = 0;
      const res = await request(server.app.getHttpServer())
        .post('/v1/chat/completions')
        .send({ messages: [{ role: 'user', content: 'hi' }] })
        .expect(200);
      expect(res.body.model).toBe('agent-append');
      expect(backends.append.requests).toHaveLength(1);
      // Completions are never revalidated; hashing each body for an ETag would be wasted work.
      expect(res.headers).not.toHaveProperty('etag');
    });
  });

  describe('docs', () => {
    it('should serve Swagger UI and an OpenAPI document describing every request field', async () => {
      await request(server.app.getHttpServer()).get('/docs').expect(200).expect('content-type', /html/);
      const res = await request(server.app.getHttpServer()).get('/docs/openapi.json').expect(200);
      const schemas = res.body.components.schemas as Record<
        string,
        { properties: Record<string, { description?: string }> }
      >;
      expect(res.body.paths['/v1/chat/completions'].post).toBeDefined();
      expect(res.body.paths['/v1/models'].get).toBeDefined();
      for (const name of [
        'ChatCompletionRequestDto',
        'ChatMessageDto',
        'ToolDto',
        'FunctionDefinitionDto',
        'ResponseFormatDto',
      ]) {
        const properties = Object.entries(schemas[name].properties);
        expect(properties.length).toBeGreaterThan(0);
        for (const [field, schema] of properties) {
          expect({ field, described: Boolean(schema.description) }).toEqual({ field, described: true });
        }
      }
    });
  });
});
