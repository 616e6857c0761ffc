import { applyDecorators, Delete, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';

const ERROR = '`{"error": {"message", "type", "param", "code"}}`';

const OUTPUT_ITEM = {
  type: 'object',
  description: 'A `message` (with `output_text` parts), a `function_call` or a `custom_tool_call`.',
  properties: {
    type: { type: 'string', enum: ['message', 'function_call', 'custom_tool_call'] },
    id: { type: 'string' },
    status: { type: 'string', enum: ['in_progress', 'completed', 'incomplete'] },
    role: { type: 'string', enum: ['assistant'] },
    content: { type: 'array', items: { type: 'object' } },
    call_id: { type: 'string' },
    name: { type: 'string' },
    arguments: { type: 'string' },
    input: { type: 'string' },
  },
  required: ['type', 'id'],
};

/** OpenAI's `Response` object, as far as this server fills it (the request's parameters are echoed too). */
const RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', example: 'resp_0123456789abcdef01234567' },
    object: { type: 'string', enum: ['response'] },
    created_at: { type: 'integer' },
    status: { type: 'string', enum: ['completed', 'incomplete', 'failed', 'in_progress'] },
    error: { type: 'object', nullable: true },
    incomplete_details: { type: 'object', nullable: true, example: { reason: 'max_output_tokens' } },
    model: { type: 'string' },
    output: { type: 'array', items: OUTPUT_ITEM },
    usage: {
      type: 'object',
      properties: {
        input_tokens: { type: 'integer' },
        output_tokens: { type: 'integer' },
        total_tokens: { type: 'integer' },
        input_tokens_details: { type: 'object' },
        output_tokens_details: { type: 'object' },
      },
    },
    previous_response_id: { type: 'string', nullable: true },
    instructions: { nullable: true },
    store: { type: 'boolean' },
    metadata: { type: 'object' },
  },
  required: ['id', 'object', 'created_at', 'status', 'output', 'model'],
};

const ID_PARAM = ApiParam({ name: 'id', description: 'The response id (`resp_…`).' });
const NOT_FOUND = ApiNotFoundResponse({
  description: `No stored response with this id for this API key (never stored, expired or deleted): ${ERROR}.`,
});

/** `POST /v1/responses`. */
export function CreateResponseEndpoint(): MethodDecorator {
  return applyDecorators(
    Post(),
    HttpCode(200),
    ApiTags('responses'),
    ApiOperation({
      summary: 'Create a response',
      description:
        'OpenAI Responses API. With `stream: false` the reply is a `Response` object; with `stream: true` a ' +
        '`text/event-stream` of typed events (`event:` equals the payload `type`, every event has a ' +
        '`sequence_number`), ending with `response.completed`, `response.incomplete` or `response.failed`.',
    }),
    ApiOkResponse({ description: 'A `Response` object, or its SSE stream.', schema: RESPONSE_SCHEMA }),
    ApiBadRequestResponse({ description: `Invalid request, with \`param\` naming the field: ${ERROR}.` }),
    ApiNotFoundResponse({ description: `Unknown model, previous response or referenced item: ${ERROR}.` }),
  );
}

/** `GET /v1/responses/{id}`. */
export function RetrieveResponseEndpoint(): MethodDecorator {
  return applyDecorators(
    Get(':id'),
    ApiTags('responses'),
    ApiOperation({ summary: 'Retrieve a stored response' }),
    ID_PARAM,
    ApiOkResponse({ description: 'The `Response` object.', schema: RESPONSE_SCHEMA }),
    NOT_FOUND,
  );
}

/** `DELETE /v1/responses/{id}`. */
export function DeleteResponseEndpoint(): MethodDecorator {
  return applyDecorators(
    Delete(':id'),
    HttpCode(200),
    ApiTags('responses'),
    ApiOperation({ summary: 'Delete a stored response' }),
    ID_PARAM,
    ApiOkResponse({
      description: 'The deletion object.',
      schema: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          object: { type: 'string', enum: ['response'] },
          deleted: { type: 'boolean', enum: [true] },
        },
        required: ['id', 'object', 'deleted'],
      },
    }),
    NOT_FOUND,
  );
}

/** `GET /v1/responses/{id}/input_items`. */
export function ListInputItemsEndpoint(): MethodDecorator {
  return applyDecorators(
    Get(':id/input_items'),
    ApiTags('responses'),
    ApiOperation({ summary: 'List the input items of a stored response' }),
    ID_PARAM,
    ApiOkResponse({
      description: 'A page of input items (newest first unless `order=asc`).',
      schema: {
        type: 'object',
        properties: {
          object: { type: 'string', enum: ['list'] },
          data: { type: 'array', items: { type: 'object' } },
          first_id: { type: 'string', nullable: true },
          last_id: { type: 'string', nullable: true },
          has_more: { type: 'boolean' },
        },
        required: ['object', 'data', 'first_id', 'last_id', 'has_more'],
      },
    }),
    ApiBadRequestResponse({ description: `Invalid query (\`limit\`, \`order\`): ${ERROR}.` }),
    NOT_FOUND,
  );
}
