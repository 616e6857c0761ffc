import { ApiError } from '../core/errors';
import { parseRunAgentInput, toAgUiRunInput } from './ag-ui-request.mapper';

const base = { threadId: 't', runId: 'r' };

describe('AG-UI request mapping', () => {
  it('should map every message role, keeping tool call ids as they are', () => {
    const input = parseRunAgentInput({
      ...base,
      messages: [
        { id: '1', role: 'developer', content: 'Be brief.' },
        { id: '2', role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        {
          id: '3',
          role: 'assistant',
          content: 'Checking.',
          toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { id: '4', role: 'tool', toolCallId: 'call_1', content: 'done' },
        { id: '5', role: 'tool', toolCallId: 'call_2', content: '', error: 'boom' },
      ],
      tools: [{ name: 'g', description: 'G', parameters: { type: 'object' } }],
    });
    const run = toAgUiRunInput(input);
    expect(run.messages).toEqual([
      { role: 'developer', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: 'Checking.', toolCalls: [{ id: 'call_1', name: 'f', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'call_1', content: 'done' },
      { role: 'tool', toolCallId: 'call_2', content: 'Error: boom' },
    ]);
    expect(run.options).toEqual({ tools: [{ name: 'g', description: 'G', parameters: { type: 'object' } }] });
  });

  it('should reject an invalid input with the path of the first problem as param', () => {
    const attempt = () => parseRunAgentInput({ ...base, messages: [{ id: '1', role: 'user' }] });
    expect(attempt).toThrow(ApiError);
    expect(attempt).toThrow(expect.objectContaining({ status: 400, param: 'messages[0].content' }) as Error);
  });

  it('should validate forwardedProps and ignore what it does not know', () => {
    const run = toAgUiRunInput(
      parseRunAgentInput({ ...base, messages: [], forwardedProps: { temperature: 0, other: true } }),
    );
    expect(run.options).toEqual({ temperature: 0 });
    expect(() =>
      toAgUiRunInput(parseRunAgentInput({ ...base, messages: [], forwardedProps: { systemMessage: 3 } })),
    ).toThrow(expect.objectContaining({ param: 'forwardedProps.systemMessage' }) as Error);
  });
});
