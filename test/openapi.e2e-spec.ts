import { ChatAgent } from '../src/core/chat-agent';
import { ScriptedModel } from '../src/core/backends/scripted.model';
import { openAiChatRequestSchema, openAiChatRequestValidator } from './utils/openapi-schema';
import { isApiPath } from '../src/common/http/api-path';
import { startServer, type TestServer } from './utils/test-server';
import { validateOpenApi } from './utils/validate-openapi';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema> };
interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  requestBody?: { content: Record<string, { examples?: Record<string, { value: Record<string, unknown> }> }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Record<string, unknown>> };
}

/** The JSON types a value of `schema` may have (`integer` counts as a number), following refs and unions. */
function kinds(schema: Schema, schemas: Record<string, Schema>): string[] {
  const found = new Set<string>();
  const walk = (s: Schema): void => {
    if (typeof s.$ref === 'string') {
      walk(schemas[s.$ref.split('/').pop() as string]);
    }
    for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
      for (const part of (s[key] as Schema[] | undefined) ?? []) {
        walk(part);
      }
    }
    if (typeof s.type === 'string') {
      found.add(s.type === 'integer' ? 'number' : s.type);
    }
    if (s.nullable === true) {
      found.add('null');
    }
  };
  walk(schema);
  return [...found].sort();
}

describe('OpenAPI document at /docs/openapi.json', () => {
  let server: TestServer;
  let document: Document;
  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
    );
  const chat = () => document.paths['/v1/chat/completions'].post;

  beforeAll(async () => {
    const agent = new ChatAgent({ model: new ScriptedModel({ replies: ['Paris.'] }) });
    server = await startServer({ agents: { 'docs-model': agent } });
    document = (await (await fetch(`${server.url}/docs/openapi.json`)).json()) as Document;
  });
  afterAll(async () => {
    await server.close();
  });

  it('should be a valid OpenAPI 3 document', () => {
    const verdict = validateOpenApi(document);
    expect(verdict.errors).toBeUndefined();
    expect(verdict).toMatchObject({ valid: true, version: '3.0' });
  });

  it('should give every operation one tag and a unique camelCase operation id', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    for (const { path, operation } of operations()) {
      expect({ path, tags: operation.tags }).toEqual({ path, tags: [expect.any(String)] });
      // Digits too: `a2aJsonRpc`.
      expect(operation.operationId).toMatch(/^[a-z][a-zA-Z0-9]+$/);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(chat().operationId).toBe('createChatCompletion');
  });

  it('should require the bearer API key on exactly the routes the key guard covers (isApiPath)', () => {
    expect(document.components.securitySchemes['api-key']).toEqual({
      type: 'http',
      scheme: 'bearer',
      description: expect.any(String),
    });
    for (const { path, operation } of operations()) {
      expect({ path, security: operation.security }).toEqual({
        path,
        security: isApiPath(path) ? [{ 'api-key': [] }] : undefined,
      });
    }
    // Each door's routes, named here so a change of isApiPath cannot silently open or close one of them.
    const locked = operations()
      .filter(({ operation }) => operation.security)
      .map(({ path }) => path)
      .filter((path, i, all) => all.indexOf(path) === i)
      .sort();
    expect(locked).toEqual([
      '/a2a/{agentId}',
      '/mcp',
      '/v1/agents/{agentId}/ag-ui',
      '/v1/chat/completions',
      '/v1/models',
      '/v1/models/{id}',
      '/v1/responses',
      '/v1/responses/{id}',
      '/v1/responses/{id}/input_items',
    ]);
  });

  it('should type every request field as OpenAI does (numbers, booleans, unions, null)', () => {
    const ours = document.components.schemas.ChatCompletionRequestDto.properties ?? {};
    const openAi = openAiChatRequestSchema();
    const compared = Object.keys(ours).filter((name) => name in openAi.properties);
    expect(compared).toEqual(Object.keys(ours));
    for (const name of compared) {
      expect({ name, kinds: kinds(ours[name], document.components.schemas) }).toEqual({
        name,
        kinds: kinds(openAi.properties[name], openAi.definitions),
      });
    }
  });

  it('should have no schema Nest could not reflect (a bare `type: object`) anywhere in the document', () => {
    const bare: string[] = [];
    // Every schema, wherever it is: components, parameters, request bodies, responses, and the schemas inside them.
    const walk = (value: unknown, at: string): void => {
      if (typeof value !== 'object' || value === null) {
        return;
      }
      const s = value as Schema;
      const isBare =
        s.type === 'object' && !s.properties && !s.additionalProperties && !s.allOf && !s.oneOf && !s.anyOf;
      if ((isBare && s.example !== null) || s.$ref === '#/components/schemas/Object') {
        bare.push(at);
      }
      for (const [key, child] of Object.entries(s)) {
        // Examples are values, not schemas.
        if (key !== 'example' && key !== 'examples') {
          walk(child, `${at}/${key}`);
        }
      }
    };
    walk(document.paths, '#/paths');
    walk(document.components.schemas, '#/components/schemas');
    expect(bare).toEqual([]);
    expect(document.components.schemas.Object).toBeUndefined();
  });

  it('should offer request examples that OpenAI’s own request schema accepts, naming the served model', () => {
    const examples = chat().requestBody?.content['application/json'].examples ?? {};
    expect(Object.keys(examples)).toEqual(['basic', 'streaming', 'tools', 'json_schema', 'legacy_functions']);
    const validate = openAiChatRequestValidator();
    for (const [name, example] of Object.entries(examples)) {
      expect(example.value.model).toBe('docs-model');
      expect({ name, valid: validate(example.value), errors: validate.errors }).toEqual({
        name,
        valid: true,
        errors: null,
      });
    }
  });

  it('should answer 200 to each request example', async () => {
    const examples = chat().requestBody?.content['application/json'].examples ?? {};
    for (const [name, example] of Object.entries(examples)) {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(example.value),
      });
      await response.text();
      expect({ name, status: response.status }).toEqual({ name, status: 200 });
    }
  });

  it('should describe the completion, the stream chunk and the error body on every status', () => {
    const responses = chat().responses;
    expect(responses['200'].content?.['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ChatCompletionResponseDto',
    });
    expect(responses['200'].content?.['text/event-stream'].schema).toEqual({
      $ref: '#/components/schemas/ChatCompletionChunkDto',
    });
    for (const status of ['400', '401', '404', '413', '415', '429', '500', '502', '503', '504']) {
      expect({ status, schema: responses[status]?.content?.['application/json'].schema }).toEqual({
        status,
        schema: { $ref: '#/components/schemas/ErrorResponseDto' },
      });
    }
    const models = document.paths['/v1/models'].get.responses['200'].content?.['application/json'].schema;
    expect(models).toEqual({ $ref: '#/components/schemas/ModelListDto' });
    const model = document.paths['/v1/models/{id}'].get.responses['200'].content?.['application/json'].schema;
    expect(model).toEqual({ $ref: '#/components/schemas/ModelDto' });
    expect(document.components.schemas.ErrorDetailDto.required).toEqual(['message', 'type', 'param', 'code']);
  });
});
