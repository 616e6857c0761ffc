import { toChatHistory } from './chat-history.mapper';

describe('toChatHistory', () => {
  it('maps roles and ends with an empty model response to fill', () => {
    expect(
      toChatHistory([
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: 'Use metric units.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Weather?' },
      ]),
    ).toEqual([
      { type: 'system', text: 'Be brief.' },
      { type: 'system', text: 'Use metric units.' },
      { type: 'user', text: 'Hi' },
      { type: 'model', response: ['Hello!'] },
      { type: 'user', text: 'Weather?' },
      { type: 'model', response: [] },
    ]);
  });

  it('folds tool results into the calls they answer and continues that model turn', () => {
    const history = toChatHistory([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: null,
        toolCalls: [
          { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_2', content: 'sunny' },
      { role: 'tool', toolCallId: 'call_1', content: '{"celsius":21}' },
    ]);
    expect(history).toEqual([
      { type: 'user', text: 'Weather in Paris and Rome?' },
      {
        type: 'model',
        response: [
          {
            type: 'functionCall',
            name: 'get_weather',
            params: { city: 'Paris' },
            result: { celsius: 21 },
            startsNewChunk: true,
          },
          {
            type: 'functionCall',
            name: 'get_weather',
            params: { city: 'Rome' },
            result: 'sunny',
            startsNewChunk: false,
          },
        ],
      },
    ]);
  });

  it('keeps a tool result whose call is unknown as plain context', () => {
    const history = toChatHistory([
      { role: 'user', content: 'x' },
      { role: 'tool', toolCallId: 'call_missing', name: 'lookup', content: '42' },
    ]);
    expect(history.slice(1)).toEqual([
      { type: 'user', text: 'Tool result (lookup): 42' },
      { type: 'model', response: [] },
    ]);
  });
});
