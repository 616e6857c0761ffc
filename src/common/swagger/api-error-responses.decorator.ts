import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

interface ErrorCase {
  description: string;
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** Every status an API route (`isApiPath`) can answer with the OpenAI error body, with the body each one sends. */
const ERROR_CASES = {
  400: {
    description: 'Invalid request: a field has a wrong value (`param` names it), or the JSON does not parse.',
    message: "Invalid 'temperature': temperature must not be greater than 2.",
    type: 'invalid_request_error',
    param: 'temperature',
    code: null,
  },
  401: {
    description: 'Missing or unknown API key (only when the server has `API_KEYS`).',
    message: 'Incorrect API key provided. You can find your API key with the operator of this server.',
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  },
  404: {
    description: 'Unknown model.',
    message: "The model 'gpt-5' does not exist. Available models: camel-model.",
    type: 'invalid_request_error',
    param: 'model',
    code: 'model_not_found',
  },
  405: {
    description: 'This method is not offered on this path (`Allow` names the ones that are).',
    message: 'This MCP server is stateless: POST JSON-RPC messages to /mcp.',
    type: 'invalid_request_error',
    param: null,
    code: 'method_not_allowed',
  },
  413: {
    description: 'The body is larger than `BODY_LIMIT`.',
    message: 'The request body is too large.',
    type: 'invalid_request_error',
    param: null,
    code: 'request_too_large',
  },
  415: {
    description: 'The body is not JSON (`Content-Type` must be `application/json`).',
    message:
      "Unsupported content-type: the body must be JSON sent as 'application/json' (got 'application/x-www-form-urlencoded').",
    type: 'invalid_request_error',
    param: 'content-type',
    code: 'unsupported_media_type',
  },
  429: {
    description: 'Rate limit reached (`RATE_LIMIT_RPM`/`RATE_LIMIT_TPM`); `retry-after` says when to retry.',
    message: 'Rate limit reached on requests per min (RPM): Limit 60, Used 60. Please try again in 20.0s.',
    type: 'requests',
    param: null,
    code: 'rate_limit_exceeded',
  },
  500: {
    description: 'An unexpected server error (logged with its request id).',
    message: 'The server had an error while processing your request.',
    type: 'server_error',
    param: null,
    code: 'internal_error',
  },
  502: {
    description: 'The upstream model failed or could not be reached.',
    message: 'The upstream model could not be reached.',
    type: 'server_error',
    param: null,
    code: 'upstream_unreachable',
  },
  503: {
    description: 'The model is still loading, the server is at capacity or shutting down; retry later.',
    message: 'The model is loading; please retry shortly.',
    type: 'server_error',
    param: null,
    code: 'model_unavailable',
  },
  504: {
    description: 'The model backend did not answer within `REQUEST_TIMEOUT_MS`.',
    message: 'The model backend timed out.',
    type: 'server_error',
    param: null,
    code: 'upstream_timeout',
  },
} satisfies Record<number, ErrorCase>;

export type ErrorStatus = keyof typeof ERROR_CASES;

/** What any `/v1` route may answer before it runs: keys, limits, capacity, shutdown, the unexpected. */
export const COMMON_ERROR_STATUSES: ErrorStatus[] = [401, 429, 500, 503];

/** What a route running the model may answer: its request, its model, the backend behind it. */
export const MODEL_ROUTE_ERROR_STATUSES: ErrorStatus[] = [400, 401, 404, 413, 415, 429, 500, 502, 503, 504];

/** A route's own wording of a status, where the shared case would mislead (a 404 that is not about the model). */
export type ErrorCaseOverrides = Partial<Record<ErrorStatus, Partial<ErrorCase>>>;

/**
 * Documents the OpenAI error body (`ErrorResponseDto`) on each given status, with the body that status sends as its
 * example. Shared by every protocol door that answers in OpenAI's error form.
 */
export function ApiErrorResponses(
  statuses: ErrorStatus[] = MODEL_ROUTE_ERROR_STATUSES,
  overrides: ErrorCaseOverrides = {},
): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ...statuses.map((status) => {
      const { description, ...error } = { ...ERROR_CASES[status], ...overrides[status] };
      return ApiResponse({
        status,
        description,
        content: {
          'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) }, example: { error } },
        },
      });
    }),
  );
}
