import { plainToInstance } from 'class-transformer';
import { ApiError } from '../core/errors';
import { toCompletionInput } from './chat-completion-request.mapper';
import { ChatCompletionRequestDto } from './dto';

const dto = (body: Record<string, unknown>) => plainToInstance(ChatCompletionRequestDto, body);

describe(toCompletionInput.name, () => {
  it('should map wire fields to the internal input', () => {
    const input = toCompletionInput(
      dto({
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'hi' },
              { type: 'image_url', image_url: { url: 'u', detail: 'low' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'c', content: 'r' },
        ],
        max_tokens: 5,
        max_completion_tokens: 9,
        stop: 'X',
        stream: true,
        stream_options: { include_usage: true },
        tools: [{ type: 'function', function: { name: 'f' } }],
        tool_choice: { type: 'function', function: { name: 'f' } },
      }),
      'default',
    );
    expect(input).toMatchObject({ model: 'm', n: 1, stream: true, includeUsage: true });
    expect(input.options).toMatchObject({
      maxTokens: 9,
      stop: ['X'],
      toolChoice: { name: 'f' },
      tools: [{ name: 'f' }],
    });
    expect(input.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hi' },
          { type: 'image_url', url: 'u', detail: 'low' },
        ],
      },
      { role: 'assistant', content: null, toolCalls: [{ id: 'c', name: 'f', arguments: '{}' }] },
      { role: 'tool', content: 'r', toolCallId: 'c' },
    ]);
  });

  it('should default the model and ignore include_usage without streaming', () => {
    const input = toCompletionInput(
      dto({ messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }),
      'camel-model',
    );
    expect(input).toMatchObject({ model: 'camel-model', stream: false, includeUsage: false });
  });

  it('should reject a named tool_choice missing from tools', () => {
    expect(() =>
      toCompletionInput(
        dto({ messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'function', function: { name: 'g' } } }),
        'd',
      ),
    ).toThrow(ApiError);
  });
});
