import { applyDecorators, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';

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
    ApiBearerAuth(),
    VERSION_HEADER,
    ApiParam({ name: 'agentId', description: 'A served agent id (the `model` of the OpenAI routes).' }),
    ApiOperation({
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
          params: { type: 'object' },
        },
      },
    }),
    ApiProduces('application/json', 'text/event-stream'),
    ApiOkResponse({ description: 'A JSON-RPC response, or (streaming methods) an SSE stream of JSON-RPC responses.' }),
  );
}

/** Swagger for an agent card route. */
export function A2aCardEndpoint(path: string, summary: string): MethodDecorator {
  return applyDecorators(
    Get(path),
    ApiTags('a2a'),
    VERSION_HEADER,
    ApiOperation({
      summary,
      description:
        'Public (no API key). With `A2A-Version: 1.0` the A2A 1.0 card; otherwise a 0.3 card that also carries ' +
        'the 1.0 `supportedInterfaces`. The card declares the bearer scheme when API keys are on.',
    }),
    ApiOkResponse({ description: 'The agent card.' }),
  );
}
