import { applyDecorators, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';

/** Swagger for the AG-UI route, kept out of the controller. */
export function AgUiEndpoint(): MethodDecorator {
  return applyDecorators(
    Post(':agentId/ag-ui'),
    HttpCode(200),
    ApiTags('ag-ui'),
    ApiOperation({
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
          messages: { type: 'array', items: { type: 'object' } },
          tools: { type: 'array', items: { type: 'object' } },
          context: { type: 'array', items: { type: 'object' } },
          state: {},
          forwardedProps: {
            type: 'object',
            properties: { systemMessage: { type: 'string' }, temperature: { type: 'number', minimum: 0, maximum: 2 } },
          },
        },
      },
    }),
    ApiProduces('text/event-stream', 'application/vnd.ag-ui.event+proto'),
    ApiOkResponse({ description: 'A stream of AG-UI events.' }),
    ApiBadRequestResponse({ description: 'Invalid RunAgentInput: `{"error": {"message", "type", "param", "code"}}`.' }),
    ApiNotFoundResponse({ description: 'Unknown agent (`code: "model_not_found"`).' }),
  );
}
