import { applyDecorators, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses, COMMON_ERROR_STATUSES } from '../common/swagger/api-error-responses.decorator';

/** A JSON-RPC 2.0 message: a request, a notification or a response. */
const JSON_RPC_MESSAGE = {
  type: 'object',
  additionalProperties: true,
  properties: {
    jsonrpc: { type: 'string', enum: ['2.0'] },
    id: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
    method: { type: 'string', example: 'tools/call' },
    params: { type: 'object', additionalProperties: true },
    result: { type: 'object', additionalProperties: true },
    error: {
      type: 'object',
      properties: { code: { type: 'integer' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['jsonrpc'],
};

/** Swagger noise for `POST /mcp`, kept out of the controller. */
export function McpEndpoint(): MethodDecorator {
  return applyDecorators(
    Post(),
    HttpCode(200),
    ApiTags('mcp'),
    ApiOperation({
      operationId: 'postMcp',
      summary: 'The served agents as MCP tools (Streamable HTTP, stateless)',
      description:
        'Model Context Protocol over Streamable HTTP: a JSON-RPC message (or batch) per POST, answered as ' +
        '`text/event-stream` (send `Accept: application/json, text/event-stream`). Tools: one per served agent, ' +
        'named after it, taking `{"message": string, "conversation_id"?: string}` and answering with the ' +
        "agent's reply as text and `{answer, conversation_id}` as structured content (a conversation id is a " +
        'Responses API response id: pass it to continue the conversation here or on `/v1/responses`). With a ' +
        "`progressToken`, `notifications/progress` report the agent's own tool runs; `notifications/cancelled` " +
        '(a POST of its own) or closing the connection stops the agent. Bearer API keys and rate limits apply as ' +
        'on `/v1`. No session state: any replica answers any request.',
    }),
    ApiBody({
      schema: {
        oneOf: [JSON_RPC_MESSAGE, { type: 'array', items: JSON_RPC_MESSAGE }],
        example: {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'camel-model', arguments: { message: 'Hello!' }, _meta: { progressToken: 1 } },
        },
      },
    }),
    ApiOkResponse({
      description: 'An SSE stream of JSON-RPC messages: progress notifications, then the result.',
      content: {
        'text/event-stream': {
          schema: JSON_RPC_MESSAGE,
          example:
            'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"Hello!"}]}}\n\n',
        },
      },
    }),
    ApiResponse({ status: 202, description: 'Accepted: the body held only notifications or responses.' }),
    // The key guard, limits and the body parser answer in OpenAI's form; errors inside MCP are JSON-RPC errors.
    ApiErrorResponses([400, 413, ...COMMON_ERROR_STATUSES]),
  );
}

/** GET (a standalone SSE stream) and DELETE (ending a session) do not apply to a stateless server. */
export function McpMethodNotAllowed(method: 'GET' | 'DELETE'): MethodDecorator {
  return applyDecorators(
    method === 'GET' ? Get() : Delete(),
    ApiTags('mcp'),
    ApiOperation({
      operationId: method === 'GET' ? 'getMcp' : 'deleteMcp',
      summary: `${method} /mcp: not offered by this stateless server`,
    }),
    ApiErrorResponses([405, ...COMMON_ERROR_STATUSES], {
      405: { description: 'Not offered by this stateless server (`Allow: POST`).' },
    }),
  );
}
