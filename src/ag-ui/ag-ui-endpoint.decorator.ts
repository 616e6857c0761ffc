import { applyDecorators, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';

const ANY_OBJECT = { type: 'object', additionalProperties: true };

/** One AG-UI event (`@ag-ui/core`'s `BaseEvent` and the fields of its type). */
const EVENT_SCHEMA = {
  type: 'object',
  additionalProperties: true,
  properties: {
    type: { type: 'string', example: 'TEXT_MESSAGE_CONTENT' },
    threadId: { type: 'string' },
    runId: { type: 'string' },
    messageId: { type: 'string' },
    delta: { type: 'string' },
  },
  required: ['type'],
};

/** Swagger for the AG-UI route, kept out of the controller. */
export function AgUiEndpoint(): MethodDecorator {
  return applyDecorators(
    Post(':agentId/ag-ui'),
    HttpCode(200),
    ApiTags('ag-ui'),
    ApiOperation({
      operationId: 'runAgUi',
      summary: 'Run an agent over AG-UI',
      description:
        'The AG-UI protocol (Agent–User Interaction): POST a `RunAgentInput`, get the run as a stream of AG-UI ' +
        'events — `RUN_STARTED`; `TEXT_MESSAGE_START/CONTENT/END` as the model writes; the agent’s own tool calls ' +
        'as `TOOL_CALL_START/ARGS/END` then `TOOL_CALL_RESULT` once they ran; calls of the front end’s `tools` as ' +
        '`TOOL_CALL_*` events listed in `RUN_FINISHED.outcome.pendingToolCallIds` (send their results as `tool` ' +
        'messages in the next run); `RUN_FINISHED` with `usage`, or `RUN_ERROR` for a failure after the stream ' +
        'started. `forwardedProps` may carry `systemMessage` (a client system message, under the agent’s ' +
        'SYSTEM_MESSAGE_POLICY) and `temperature`; `context` entries reach the model as a system note. SSE by ' +
        'default; length-prefixed protobuf when `Accept` prefers `application/vnd.ag-ui.event+proto`.',
    }),
    ApiParam({ name: 'agentId', description: 'A served agent id (as listed by `GET /v1/models`).' }),
    ApiBody({
      description: 'An AG-UI `RunAgentInput` (validated with `@ag-ui/core`’s schema; unknown fields are accepted).',
      schema: {
        type: 'object',
        required: ['threadId', 'runId', 'messages'],
        properties: {
          threadId: { type: 'string' },
          runId: { type: 'string' },
          messages: { type: 'array', items: ANY_OBJECT },
          tools: { type: 'array', items: ANY_OBJECT },
          context: { type: 'array', items: ANY_OBJECT },
          state: {},
          forwardedProps: {
            type: 'object',
            properties: { systemMessage: { type: 'string' }, temperature: { type: 'number', minimum: 0, maximum: 2 } },
          },
        },
      },
    }),
    ApiOkResponse({
      description: 'A stream of AG-UI events (SSE, or length-prefixed protobuf).',
      content: {
        'text/event-stream': {
          schema: EVENT_SCHEMA,
          example: 'data: {"type":"TEXT_MESSAGE_CONTENT","messageId":"msg_1","delta":"Paris"}\n\n',
        },
        'application/vnd.ag-ui.event+proto': { schema: { type: 'string', format: 'binary' } },
      },
    }),
    // Before the first event: an invalid RunAgentInput (400), an unknown agent (404, `model_not_found`), the
    // backend failing before it wrote anything (502, 504). After it, RUN_ERROR ends the stream.
    ApiErrorResponses(),
  );
}
