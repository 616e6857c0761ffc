import { applyDecorators, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';

const ANY_OBJECT = { type: 'object', additionalProperties: true };

/** A JSON-RPC 2.0 response: a result (a `Task`, a `Message`, a stream event) or an error. */
const JSON_RPC_RESPONSE = {
  type: 'object',
  required: ['jsonrpc', 'id'],
  properties: {
    jsonrpc: { type: 'string', enum: ['2.0'] },
    id: { oneOf: [{ type: 'string' }, { type: 'integer' }], nullable: true },
    result: ANY_OBJECT,
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'integer' }, message: { type: 'string' }, data: {} },
    },
  },
};

/**
 * What the A2A routes answer before their handler runs (A2aExceptionFilter): a JSON-RPC error envelope with the HTTP
 * status kept, `-32600` for a client error and `-32603` for a server error, the message the OpenAI routes give.
 */
const A2A_ERRORS = {
  401: ['Missing or unknown API key (only when the server has `API_KEYS`).', -32600],
  404: ['Unknown agent.', -32600],
  429: ['Rate limit reached (`RATE_LIMIT_RPM`/`RATE_LIMIT_TPM`); `retry-after` says when to retry.', -32600],
  500: ['An unexpected server error (logged with its request id).', -32603],
  503: ['The server is at capacity or shutting down; retry later.', -32603],
  504: ['The model backend did not answer within `REQUEST_TIMEOUT_MS`.', -32603],
} as const;

function A2aErrorResponses(statuses: Array<keyof typeof A2A_ERRORS>): MethodDecorator {
  return applyDecorators(
    ...statuses.map((status) => {
      const [description, code] = A2A_ERRORS[status];
      return ApiResponse({
        status,
        description: `${description} A JSON-RPC error envelope.`,
        content: {
          'application/json': {
            schema: JSON_RPC_RESPONSE,
            example: { jsonrpc: '2.0', id: 1, error: { code, message: description } },
          },
        },
      });
    }),
  );
}

const VERSION_HEADER = ApiHeader({
  name: 'A2A-Version',
  required: false,
  description: "`1.0` for A2A 1.0; absent or `0.3` for A2A 0.3 (the previous version's method names and shapes).",
});

/** Swagger for the JSON-RPC endpoint of one served agent. */
export function A2aRpcEndpoint(): MethodDecorator {
  return applyDecorators(
    Post(':agentId'),
    HttpCode(200),
    ApiTags('a2a'),
    VERSION_HEADER,
    ApiParam({ name: 'agentId', description: 'A served agent id (the `model` of the OpenAI routes).' }),
    ApiOperation({
      operationId: 'a2aJsonRpc',
      summary: 'A2A JSON-RPC endpoint of an agent',
      description:
        'Agent2Agent protocol over JSON-RPC 2.0. A2A 1.0 methods (with `A2A-Version: 1.0`): `SendMessage`, ' +
        '`SendStreamingMessage` (SSE of `Task`, `TaskStatusUpdateEvent`, `TaskArtifactUpdateEvent`), `GetTask`, ' +
        '`CancelTask`, `SubscribeToTask`. A2A 0.3 methods (no header): `message/send`, `message/stream`, ' +
        '`tasks/get`, `tasks/cancel`, `tasks/resubscribe`. A `contextId` continues a conversation. Errors are ' +
        'JSON-RPC error objects (`{"jsonrpc": "2.0", "id", "error": {"code", "message"}}`).',
    }),
    ApiBody({
      schema: {
        type: 'object',
        required: ['jsonrpc', 'method'],
        properties: {
          jsonrpc: { type: 'string', enum: ['2.0'] },
          id: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
          method: { type: 'string', example: 'SendMessage' },
          params: ANY_OBJECT,
        },
      },
    }),
    ApiOkResponse({
      description: 'A JSON-RPC response, or (streaming methods) an SSE stream of JSON-RPC responses.',
      content: {
        'application/json': { schema: JSON_RPC_RESPONSE },
        'text/event-stream': {
          schema: JSON_RPC_RESPONSE,
          example: 'data: {"jsonrpc":"2.0","id":1,"result":{"kind":"status-update","taskId":"...","final":false}}\n\n',
        },
      },
    }),
    A2aErrorResponses([401, 404, 429, 500, 503, 504]),
    // The body parser runs before the A2A filter: a body that is not JSON or too large gets the OpenAI error body.
    ApiErrorResponses([400, 413]),
  );
}

/** Swagger for an agent card route. */
export function A2aCardEndpoint(path: string, operationId: string, summary: string): MethodDecorator {
  return applyDecorators(
    Get(path),
    ApiTags('a2a'),
    VERSION_HEADER,
    ApiOperation({
      operationId,
      summary,
      description:
        'Public (no API key). With `A2A-Version: 1.0` the A2A 1.0 card; otherwise a 0.3 card that also carries ' +
        'the 1.0 `supportedInterfaces`. The card declares the bearer scheme when API keys are on.',
    }),
    ApiOkResponse({
      description: 'The agent card.',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            additionalProperties: true,
            properties: {
              name: { type: 'string' },
              description: { type: 'string' },
              version: { type: 'string' },
              skills: { type: 'array', items: ANY_OBJECT },
              capabilities: ANY_OBJECT,
            },
            required: ['name', 'description', 'version', 'skills', 'capabilities'],
          },
        },
      },
    }),
    A2aErrorResponses([404, 500]),
  );
}
