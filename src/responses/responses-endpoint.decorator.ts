import { applyDecorators, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  ApiErrorResponses,
  COMMON_ERROR_STATUSES,
  MODEL_ROUTE_ERROR_STATUSES,
} from '../common/swagger/api-error-responses.decorator';

const ANY_OBJECT = { type: 'object', additionalProperties: true };

const OUTPUT_ITEM = {
  type: 'object',
  description: 'A `message` (with `output_text` parts), a `function_call` or a `custom_tool_call`.',
  properties: {
    type: { type: 'string', enum: ['message', 'function_call', 'custom_tool_call'] },
    id: { type: 'string' },
    status: { type: 'string', enum: ['in_progress', 'completed', 'incomplete'] },
    role: { type: 'string', enum: ['assistant'] },
    content: { type: 'array', items: ANY_OBJECT },
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
    error: {
      type: 'object',
      nullable: true,
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      example: null,
    },
    incomplete_details: {
      type: 'object',
      nullable: true,
      properties: { reason: { type: 'string', enum: ['max_output_tokens', 'content_filter'] } },
      example: { reason: 'max_output_tokens' },
    },
    model: { type: 'string' },
    output: { type: 'array', items: OUTPUT_ITEM },
    usage: {
      type: 'object',
      properties: {
        input_tokens: { type: 'integer' },
        output_tokens: { type: 'integer' },
        total_tokens: { type: 'integer' },
        input_tokens_details: { type: 'object', properties: { cached_tokens: { type: 'integer' } } },
        output_tokens_details: { type: 'object', properties: { reasoning_tokens: { type: 'integer' } } },
      },
    },
    previous_response_id: { type: 'string', nullable: true },
    instructions: { nullable: true },
    store: { type: 'boolean' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['id', 'object', 'created_at', 'status', 'output', 'model'],
};

/** One event of the stream: `event:` equals its `type`; the payload carries the rest. */
const STREAM_EVENT_SCHEMA = {
  type: 'object',
  description:
    '`response.created`, `response.in_progress`, `response.output_item.added`, `response.output_text.delta`, ' +
    '`response.function_call_arguments.delta`, ..., then `response.completed`, `response.incomplete` or ' +
    '`response.failed` (each with the whole `Response`).',
  additionalProperties: true,
  properties: {
    type: { type: 'string', example: 'response.output_text.delta' },
    sequence_number: { type: 'integer' },
    response: RESPONSE_SCHEMA,
    item_id: { type: 'string' },
    output_index: { type: 'integer' },
    content_index: { type: 'integer' },
    delta: { type: 'string' },
  },
  required: ['type', 'sequence_number'],
};

const STREAM_EXAMPLE =
  'event: response.output_text.delta\n' +
  'data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_0123","output_index":0,' +
  '"content_index":0,"delta":"Paris"}\n\n';

const ID_PARAM = ApiParam({ name: 'id', description: 'The response id (`resp_…`).' });
/** What a stored response's routes answer for an id this API key has no response under. */
const STORED_NOT_FOUND = {
  description: 'No stored response with this id for this API key (never stored, expired or deleted).',
  message: "Response with id 'resp_0123456789abcdef01234567' not found.",
  param: null,
  code: null,
};
const STORED_RESPONSE_ERRORS = ApiErrorResponses([...COMMON_ERROR_STATUSES, 404], { 404: STORED_NOT_FOUND });

/** `POST /v1/responses`. */
export function CreateResponseEndpoint(): MethodDecorator {
  return applyDecorators(
    Post(),
    HttpCode(200),
    ApiTags('responses'),
    ApiOperation({
      operationId: 'createResponse',
      summary: 'Create a response',
      description:
        'OpenAI Responses API. With `stream: false` the reply is a `Response` object; with `stream: true` a ' +
        '`text/event-stream` of typed events (`event:` equals the payload `type`, every event has a ' +
        '`sequence_number`), ending with `response.completed`, `response.incomplete` or `response.failed`.',
    }),
    ApiOkResponse({
      description: 'A `Response` object, or (with `stream: true`) its stream of typed events.',
      content: {
        'application/json': { schema: RESPONSE_SCHEMA },
        'text/event-stream': { schema: STREAM_EVENT_SCHEMA, example: STREAM_EXAMPLE },
      },
    }),
    ApiErrorResponses(MODEL_ROUTE_ERROR_STATUSES, {
      404: { description: 'Unknown model, previous response (`previous_response_id`) or referenced item (`input`).' },
    }),
  );
}

/** `GET /v1/responses/{id}`. */
export function RetrieveResponseEndpoint(): MethodDecorator {
  return applyDecorators(
    Get(':id'),
    ApiTags('responses'),
    ApiOperation({ operationId: 'retrieveResponse', summary: 'Retrieve a stored response' }),
    ID_PARAM,
    ApiOkResponse({ description: 'The `Response` object.', schema: RESPONSE_SCHEMA }),
    STORED_RESPONSE_ERRORS,
  );
}

/** `DELETE /v1/responses/{id}`. */
export function DeleteResponseEndpoint(): MethodDecorator {
  return applyDecorators(
    Delete(':id'),
    HttpCode(200),
    ApiTags('responses'),
    ApiOperation({ operationId: 'deleteResponse', summary: 'Delete a stored response' }),
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
    STORED_RESPONSE_ERRORS,
  );
}

/** `GET /v1/responses/{id}/input_items`. */
export function ListInputItemsEndpoint(): MethodDecorator {
  return applyDecorators(
    Get(':id/input_items'),
    ApiTags('responses'),
    ApiOperation({ operationId: 'listResponseInputItems', summary: 'List the input items of a stored response' }),
    ID_PARAM,
    ApiOkResponse({
      description: 'A page of input items (newest first unless `order=asc`).',
      schema: {
        type: 'object',
        properties: {
          object: { type: 'string', enum: ['list'] },
          data: {
            type: 'array',
            description: 'Messages, function calls and outputs, custom tool calls and outputs, as sent.',
            items: { ...ANY_OBJECT, properties: { type: { type: 'string' }, id: { type: 'string' } } },
          },
          first_id: { type: 'string', nullable: true },
          last_id: { type: 'string', nullable: true },
          has_more: { type: 'boolean' },
        },
        required: ['object', 'data', 'first_id', 'last_id', 'has_more'],
      },
    }),
    // 400: an invalid query (`limit`, `order`).
    ApiErrorResponses([400, ...COMMON_ERROR_STATUSES, 404], {
      400: { message: "Invalid 'limit': limit must not be greater than 100.", param: 'limit' },
      404: STORED_NOT_FOUND,
    }),
  );
}
