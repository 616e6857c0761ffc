import { applyDecorators, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';

/** Swagger noise for `POST /mcp`, kept out of the controller. */
export function McpEndpoint(): MethodDecorator {
  return applyDecorators(
    Post(),
    HttpCode(200),
    ApiTags('mcp'),
    ApiOperation({
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
        type: 'object',
        example: {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'camel-model', arguments: { message: 'Hello!' }, _meta: { progressToken: 1 } },
        },
      },
    }),
    ApiOkResponse({ description: 'An SSE stream of JSON-RPC messages: progress notifications, then the result.' }),
    ApiResponse({ status: 202, description: 'Accepted: the body held only notifications or responses.' }),
    ApiUnauthorizedResponse({ description: 'Missing or wrong API key (when API keys are on).' }),
  );
}

/** GET (a standalone SSE stream) and DELETE (ending a session) do not apply to a stateless server. */
export function McpMethodNotAllowed(method: 'GET' | 'DELETE'): MethodDecorator {
  return applyDecorators(
    method === 'GET' ? Get() : Delete(),
    ApiTags('mcp'),
    ApiOperation({ summary: `${method} /mcp: not offered by this stateless server` }),
    ApiResponse({ status: 405, description: 'Method not allowed (`Allow: POST`).' }),
  );
}
