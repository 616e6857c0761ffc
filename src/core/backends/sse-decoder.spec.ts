import { SseDecoder } from './sse-decoder';

const bytes = (text: string) => new TextEncoder().encode(text);

function decodeAll(parts: (string | Uint8Array)[]) {
  const decoder = new SseDecoder();
  return parts.flatMap((part) => decoder.push(typeof part === 'string' ? bytes(part) : part));
}

describe('SseDecoder', () => {
  it('decodes OpenAI-style frames, several per chunk', () => {
    expect(decodeAll(['data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n'])).toEqual([
      { event: null, data: '{"a":1}' },
      { event: null, data: '{"a":2}' },
      { event: null, data: '[DONE]' },
    ]);
  });

  it('joins an event split anywhere across chunks, a multi-byte character too', () => {
    const frame = bytes('data: {"text":"héllo €"}\n\n');
    const parts = Array.from(frame, (byte) => Uint8Array.of(byte));
    expect(decodeAll(parts)).toEqual([{ event: null, data: '{"text":"héllo €"}' }]);
  });

  it('accepts CRLF and CR line endings, a CRLF split between chunks too', () => {
    expect(decodeAll(['data: a\r\n\r\ndata: b\r\rdata: c\r', '\ndata: d\r', '\n\r\n'])).toEqual([
      { event: null, data: 'a' },
      { event: null, data: 'b' },
      { event: null, data: 'c\nd' },
    ]);
  });

  it('joins data lines, keeps the event name, skips comments and unknown fields, and keeps spaces past the first', () => {
    expect(decodeAll([': keep-alive\n\nevent: error\nid: 7\ndata:  x\ndata:y\n\n'])).toEqual([
      { event: 'error', data: ' x\ny' },
    ]);
  });

  it('does not dispatch an event left unterminated when the body ends', () => {
    const decoder = new SseDecoder();
    expect(decoder.push(bytes('data: 1\n\ndata: 2\n'))).toEqual([{ event: null, data: '1' }]);
  });
});
