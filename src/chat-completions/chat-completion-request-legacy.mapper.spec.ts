import { plainToInstance } from 'class-transformer';
import { toCompletionInput } from './chat-completion-request.mapper';
import { ChatCompletionRequestDto } from './dto';

const dto = (body: Record<string, unknown>) => plainToInstance(ChatCompletionRequestDto, body);
const functions = [{ name: 'get_time', description: 'The time', parameters: { type: 'object' } }];
const user = { role: 'user', content: 'x' };

describe(`${toCompletionInput.name} (legacy functions)`, () => {
  it('should turn functions into tools, ask for one call and flag the legacy reply shape', () => {
    const input = toCompletionInput(dto({ messages: [user], functions, function_call: 'auto' }), 'm');
    expect(input.options.tools).toEqual([
      { name: 'get_time', description: 'The time', parameters: { type: 'object' } },
    ]);
    expect(input.options.toolChoice).toBe('auto');
    expect(input.options.parallelToolCalls).toBe(false);
    expect(input.legacyFunctions).toBe(true);
  });

  it('should map a named function_call to a named tool choice', () => {
    const input = toCompletionInput(dto({ messages: [user], functions, function_call: { name: 'get_time' } }), 'm');
    expect(input.options.toolChoice).toEqual({ name: 'get_time' });
  });

  it('should reject a function_call naming an unknown function with param function_call', () => {
    expect(() => toCompletionInput(dto({ messages: [user], functions, function_call: { name: 'nope' } }), 'm')).toThrow(
      expect.objectContaining({ status: 400, param: 'function_call' }),
    );
  });

  it('should keep the tools reply shape when tools are sent too', () => {
    const tools = [{ type: 'function', function: { name: 'search' } }];
    const input = toCompletionInput(dto({ messages: [user], functions, tools }), 'm');
    expect(input.legacyFunctions).toBe(false);
    expect(input.options.tools?.map((t) => t.name)).toEqual(['search', 'get_time']);
  });

  it('should replay an assistant function_call and its function result as a paired call and result', () => {
    const input = toCompletionInput(
      dto({
        messages: [
          user,
          { role: 'assistant', content: null, function_call: { name: 'get_time', arguments: '{}' } },
          { role: 'function', name: 'get_time', content: '12:00' },
        ],
      }),
      'm',
    );
    expect(input.messages[1].toolCalls).toEqual([{ id: 'get_time', name: 'get_time', arguments: '{}' }]);
    expect(input.messages[2]).toEqual({ role: 'tool', toolCallId: 'get_time', content: '12:00' });
    expect(input.legacyFunctions).toBe(false);
  });
});
