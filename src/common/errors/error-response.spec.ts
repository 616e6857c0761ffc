import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { ApiError } from '../../core/errors';
import { toErrorResponse } from './error-response';

describe(toErrorResponse.name, () => {
  it('should keep an ApiError status, body and headers', () => {
    const error = new ApiError(429, 'slow down', { code: 'rate_limit_exceeded', headers: { 'retry-after': '1' } });
    expect(toErrorResponse(error)).toEqual({
      status: 429,
      body: { error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } },
      headers: { 'retry-after': '1' },
      unexpected: false,
    });
  });

  it('should pass through an HttpException that already carries an OpenAI body', () => {
    const body = { error: { message: 'bad', type: 'invalid_request_error', param: 'x', code: null } };
    expect(toErrorResponse(new BadRequestException(body))).toMatchObject({ status: 400, body });
  });

  it("should wrap Nest's own exceptions in the OpenAI shape", () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /x'))).toMatchObject({
      status: 404,
      body: { error: { message: 'Cannot GET /x', type: 'not_found_error', param: null, code: 'not_found' } },
    });
    expect(toErrorResponse(new PayloadTooLargeException()).status).toBe(413);
  });

  it('should map body-parser errors by their type', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large' });
    expect(toErrorResponse(tooLarge)).toMatchObject({ status: 413, body: { error: { code: 'request_too_large' } } });
    const badJson = Object.assign(new Error('Unexpected end'), { status: 400, type: 'entity.parse.failed' });
    expect(toErrorResponse(badJson)).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
  });

  it('should hide anything unexpected behind a generic 500', () => {
    const response = toErrorResponse(new TypeError('secret detail'));
    expect(response).toMatchObject({ status: 500, unexpected: true, body: { error: { type: 'server_error' } } });
    expect(JSON.stringify(response.body)).not.toContain('secret');
  });
});
