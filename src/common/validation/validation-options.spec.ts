import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { ChatCompletionRequestDto } from '../../chat-completions/dto';
import { firstError, validationOptions } from './validation-options';

describe('validationOptions', () => {
  const pipe = new ValidationPipe(validationOptions);
  const validate = (body: unknown) =>
    pipe.transform(body, { type: 'body', metatype: ChatCompletionRequestDto }) as Promise<ChatCompletionRequestDto>;

  it('should report the dotted path of a nested error as param, in the OpenAI body', async () => {
    const error = (await validate({ messages: [{ role: 'user', content: 'x' }, { role: 'nope' }] }).catch(
      (e: unknown) => e,
    )) as BadRequestException;
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.getResponse()).toEqual({
      error: {
        message: expect.stringContaining("Invalid 'messages.1.role'"),
        type: 'invalid_request_error',
        param: 'messages.1.role',
        code: null,
      },
    });
  });

  it('should name a wrong type as such, not as a range error', async () => {
    const messageFor = async (body: Record<string, unknown>) => {
      const error = (await validate({ messages: [{ role: 'user', content: 'x' }], ...body }).catch(
        (e: unknown) => e,
      )) as BadRequestException;
      return (error.getResponse() as { error: { message: string } }).error.message;
    };
    expect(await messageFor({ temperature: 'hot' })).toBe(
      "Invalid 'temperature': temperature must be a number conforming to the specified constraints.",
    );
    expect(await messageFor({ max_tokens: 'x' })).toBe("Invalid 'max_tokens': max_tokens must be an integer number.");
    expect(await messageFor({ messages: 'hello' })).toBe("Invalid 'messages': messages must be an array.");
    expect(await messageFor({ temperature: 3 })).toBe("Invalid 'temperature': temperature must not be greater than 2.");
  });

  it('should say in plain English that messages must not be empty', async () => {
    const error = (await validate({ messages: [] }).catch((e: unknown) => e)) as BadRequestException;
    expect(error.getResponse()).toEqual({
      error: {
        message: "Invalid 'messages': messages must not be empty.",
        type: 'invalid_request_error',
        param: 'messages',
        code: null,
      },
    });
  });

  it('should reject an array where a message, tool or tool call belongs', async () => {
    const paramOf = async (body: Record<string, unknown>) => {
      const error = (await validate(body).catch((e: unknown) => e)) as BadRequestException;
      return (error.getResponse() as { error: { param: string } }).error.param;
    };
    const user = { role: 'user', content: 'x' };
    expect(await paramOf({ messages: [[user]] })).toBe('messages');
    expect(await paramOf({ messages: [user], tools: [[{ type: 'function', function: { name: 'f' } }]] })).toBe('tools');
    expect(await paramOf({ messages: [user], functions: [[{ name: 'f' }]] })).toBe('functions');
    const call = { id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } };
    expect(await paramOf({ messages: [{ role: 'assistant', content: null, tool_calls: [[call]] }] })).toBe(
      'messages.0.tool_calls',
    );
  });

  it('should strip unknown fields instead of rejecting them', async () => {
    const dto = await validate({ messages: [{ role: 'user', content: 'x', extra: 1 }], prompt_cache_key: 'k' });
    expect(dto).toBeInstanceOf(ChatCompletionRequestDto);
    expect(dto).not.toHaveProperty('prompt_cache_key');
    expect(dto.messages[0]).not.toHaveProperty('extra');
  });

  it('should keep content parts whole (they are data, not DTOs)', async () => {
    const parts = [
      { type: 'text', text: 'hi' },
      { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
    ];
    const dto = await validate({ messages: [{ role: 'user', content: parts }] });
    expect(dto.messages[0].content).toEqual(parts);
  });

  it('should fall back to a generic message when there is nothing to report', () => {
    expect(firstError([])).toEqual({ param: null, message: 'Invalid request.' });
  });
});
