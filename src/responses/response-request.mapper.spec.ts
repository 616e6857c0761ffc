import { plainToInstance } from 'class-transformer';
import { CreateResponseRequestDto } from './dto/create-response-request.dto';
import { toMessages } from './input-items';
import { messageRequest, toResponseRequest } from './response-request.mapper';

const request = (body: Record<string, unknown>) =>
  toResponseRequest(plainToInstance(CreateResponseRequestDto, body), 'default-model');

describe(toResponseRequest.name, () => {
  it('should map a string input, instructions and the sampling fields', () => {
    const mapped = request({ input: 'Hi', instructions: 'Be brief.', max_output_tokens: 9, temperature: 0.2 });
    expect(mapped).toMatchObject({ model: 'default-model', stream: false, store: true });
    expect(toMessages(mapped.instructions)).toEqual([{ role: 'system', content: 'Be brief.' }]);
    expect(toMessages(mapped.items)).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(mapped.options).toMatchObject({ maxTokens: 9, temperature: 0.2 });
    expect(mapped.options.responseFormat).toBeUndefined();
  });

  it('should give the model one assistant turn with its calls, then their results, as a client resends them', () => {
    const mapped = request({
      input: [
        { role: 'developer', content: 'dev note' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'a' },
            { type: 'input_image', image_url: 'https://x/y.png' },
          ],
        },
        { type: 'message', role: 'assistant', id: 'msg_1', content: [{ type: 'output_text', text: 'Let me see.' }] },
        { type: 'function_call', id: 'fc_1', call_id: 'c1', name: 'f', arguments: '{}' },
        { type: 'custom_tool_call', call_id: 'c2', name: 'patch', input: 'raw text' },
        { type: 'function_call_output', call_id: 'c1', output: 'one' },
        { type: 'custom_tool_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'two' }] },
        { type: 'reasoning', id: 'rs_1', summary: [] },
      ],
    });
    expect(toMessages(mapped.items)).toEqual([
      { role: 'system', content: 'dev note' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'image_url', url: 'https://x/y.png', detail: 'auto' },
        ],
      },
      {
        role: 'assistant',
        content: 'Let me see.',
        toolCalls: [
          { id: 'c1', name: 'f', arguments: '{}' },
          { id: 'c2', name: 'patch', arguments: '{"input":"raw text"}' },
        ],
      },
      { role: 'tool', toolCallId: 'c1', content: 'one' },
      { role: 'tool', toolCallId: 'c2', content: 'two' },
    ]);
    // Listed as OpenAI lists them: ids kept, parts and status filled in, unknown item types left out.
    expect(mapped.items.map((item) => [item.type, item.id])).toEqual([
      ['message', undefined],
      ['message', undefined],
      ['message', 'msg_1'],
      ['function_call', 'fc_1'],
      ['custom_tool_call', undefined],
      ['function_call_output', undefined],
      ['custom_tool_call_output', undefined],
    ]);
  });

  it('should give custom tools one string parameter, flatten namespaces and leave hosted tools out', () => {
    const mapped = request({
      input: 'x',
      tools: [
        { type: 'web_search' },
        { type: 'custom', name: 'patch', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } },
        { type: 'namespace', name: 'fs', description: 'Files', tools: [{ type: 'function', name: 'read' }] },
        { type: 'mcp', server_label: 's' },
      ],
    });
    expect(mapped.options.tools).toEqual([
      {
        name: 'patch',
        description: 'The input must follow this lark grammar:\nstart: "x"',
        parameters: expect.objectContaining({ required: ['input'] }),
      },
      { name: 'read', description: undefined, parameters: undefined, strict: undefined },
    ]);
    expect(mapped.tools.isCustom('patch')).toBe(true);
    expect(mapped.tools.namespaceOf('read')).toBe('fs');
    expect(mapped.echo.tools.map((tool) => tool.type)).toEqual(['custom', 'namespace']);
  });

  it('should narrow the tools to allowed_tools and map text formats', () => {
    const mapped = request({
      input: 'x',
      tools: [
        { type: 'function', name: 'a' },
        { type: 'function', name: 'b' },
      ],
      tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'b' }] },
      text: { format: { type: 'json_object' } },
    });
    expect(mapped.options.tools?.map((tool) => tool.name)).toEqual(['b']);
    expect(mapped.options.toolChoice).toBe('auto');
    expect(mapped.options.responseFormat).toEqual({ type: 'json_object' });
  });

  it.each([
    [{ input: 'x', background: true }, 'background'],
    [{ input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: 3 }] }, 'input.0.arguments'],
    [{ input: [{ type: 'message', role: 'user', content: [{ type: 'input_image' }] }] }, 'input.0.content.0.image_url'],
    [{ input: [{ type: 'item_reference' }] }, 'input.0.id'],
    [
      {
        input: 'x',
        tools: [
          { type: 'function', name: 'a' },
          { type: 'custom', name: 'a' },
        ],
      },
      'tools.1.name',
    ],
    [{ input: 'x', text: { format: { type: 'json_schema', name: 'n' } } }, 'text.format'],
  ])('should refuse %j naming %s', (body, param) => {
    expect(() => request(body)).toThrow(expect.objectContaining({ status: 400, param }));
  });
});

describe(messageRequest.name, () => {
  it("should make another protocol's message a stored request that the agent reads back as sent", () => {
    const text = messageRequest('alpha', 'Hi', 'resp_1');
    expect(text).toMatchObject({ model: 'alpha', store: true, previousResponseId: 'resp_1', instructions: [] });
    expect(toMessages(text.items)).toEqual([{ role: 'user', content: 'Hi' }]);
    const parts = messageRequest('alpha', [
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', url: 'https://example.com/cat.png' },
    ]);
    expect(toMessages(parts.items)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', url: 'https://example.com/cat.png', detail: 'auto' },
        ],
      },
    ]);
  });
});
