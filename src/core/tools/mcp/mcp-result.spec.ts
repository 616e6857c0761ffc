import { toToolOutcome } from './mcp-result';

describe(toToolOutcome.name, () => {
  it('should give the model the text blocks, one per line, and a note for what a text message cannot carry', () => {
    const outcome = toToolOutcome({
      content: [
        { type: 'text', text: 'first' },
        { type: 'image', data: Buffer.from('four').toString('base64'), mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'file:///a.txt', text: 'inline text' } },
        { type: 'resource_link', uri: 'file:///b.bin', name: 'b.bin' },
        { type: 'text', text: 'last' },
      ],
    });
    expect(outcome).toEqual({
      content: 'first\n[image image/png, 4 bytes]\ninline text\n[resource link b.bin: file:///b.bin]\nlast',
      isError: false,
    });
  });

  it('should give the structured content as JSON when no text block says anything', () => {
    expect(toToolOutcome({ content: [], structuredContent: { price: 42 } })).toEqual({
      content: '{"price":42}',
      isError: false,
    });
    // Servers that send both mean the text for the model.
    expect(toToolOutcome({ content: [{ type: 'text', text: 'Price: 42' }], structuredContent: { price: 42 } })).toEqual(
      { content: 'Price: 42', isError: false },
    );
  });

  it('should report isError results in the error form the model knows from other tools', () => {
    expect(toToolOutcome({ content: [{ type: 'text', text: 'no such file' }], isError: true })).toEqual({
      content: '{"error":"no such file"}',
      isError: true,
    });
    expect(toToolOutcome({ content: [], isError: true }).content).toBe('{"error":"The tool reported an error."}');
  });
});
