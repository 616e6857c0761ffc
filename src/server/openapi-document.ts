import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AgentService } from '../agent/agent.service';
import { isApiPath } from '../common/http/api-path';

/** The security scheme "Authorize" fills in: an API key from `API_KEYS`, sent as a bearer token. */
export const API_KEY_SCHEME = 'api-key';

type Operation = NonNullable<OpenAPIObject['paths'][string]['post']>;

/**
 * The OpenAPI document served at `/docs`. Two things are decided here rather than per route, so every protocol door
 * gets them: the API-key requirement on exactly the paths the key guard covers (`isApiPath`), and request examples
 * naming the model this server actually serves (so "Try it out" succeeds as shown).
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('chat-agent-server')
    .setDescription(
      'An agent served as an OpenAI-compatible API. When the server has `API_KEYS`, click **Authorize** and enter ' +
        'one key; every error is `{"error": {"message", "type", "param", "code"}}`.',
    )
    .setVersion('0.1.0')
    .addTag('chat', 'OpenAI Chat Completions')
    .addTag('responses', 'OpenAI Responses API: stored responses, `previous_response_id`, typed stream events')
    .addTag('models', 'The served agents, as OpenAI models')
    .addTag('ag-ui', 'AG-UI: an agent run as a stream of AG-UI events, for front ends such as CopilotKit')
    .addTag('mcp', 'Model Context Protocol (Streamable HTTP): each served agent as an MCP tool')
    .addTag('a2a', 'Agent2Agent protocol: JSON-RPC per agent, and the public agent cards')
    .addTag('playground', 'The browser playground')
    .addTag('health', 'Liveness and readiness probes')
    // Not addBearerAuth(): it claims `bearerFormat: JWT`, and our keys are plain strings.
    .addSecurity(API_KEY_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description: 'One of the server’s `API_KEYS`, sent as `Authorization: Bearer <key>`.',
    })
    .build();
  // Nest tags each controller with its name unless told not to; every route names its own one tag.
  const document = SwaggerModule.createDocument(app, config, { autoTagControllers: false });
  const servedModel = app.get(AgentService).defaultModelId;
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of operationsOf(item)) {
      if (isApiPath(path)) {
        operation.security = [{ [API_KEY_SCHEME]: [] }];
      }
      useServedModel(operation, servedModel);
    }
  }
  return document;
}

function operationsOf(item: OpenAPIObject['paths'][string]): Operation[] {
  return [item.get, item.put, item.post, item.delete, item.patch].filter((op): op is Operation => op !== undefined);
}

function useServedModel(operation: Operation, model: string): void {
  const body = operation.requestBody;
  const examples = body && 'content' in body ? body.content['application/json']?.examples : undefined;
  for (const example of Object.values(examples ?? {})) {
    if ('$ref' in example) {
      continue;
    }
    const value = example.value as Record<string, unknown> | undefined;
    if (value && typeof value.model === 'string') {
      example.value = { ...value, model };
    }
  }
}
