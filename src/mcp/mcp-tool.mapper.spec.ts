import { toolNameOf, toProgress, toToolResult } from './mcp-tool.mapper';

describe('MCP tool mapper', () => {
  it('should name a tool after its agent, in the characters MCP allows', () => {
    expect(toolNameOf('camel-model')).toBe('camel-model');
    expect(toolNameOf('org/model:7b')).toBe('org_model_7b');
  });

  it("should report the agent's own tool runs as progress and nothing else", () => {
    const call = { id: 'call_1', name: 'get_weather', arguments: '{}' };
    expect(toProgress({ type: 'tool-run', phase: 'start', calls: [call] }, 'tok', 1)).toEqual({
      method: 'notifications/progress',
      params: { progressToken: 'tok', progress: 1, message: 'Running get_weather' },
    });
    expect(
      toProgress(
        { type: 'tool-run', phase: 'end', results: [{ call, outcome: { content: 'x', isError: false } }] },
        7,
        2,
      ),
    ).toMatchObject({ params: { progressToken: 7, progress: 2, message: 'Finished get_weather' } });
    expect(toProgress({ type: 'text', text: 'hi' }, 'tok', 3)).toBeUndefined();
  });

  it('should return the answer with the id that continues its conversation, structured and as a note', () => {
    const result = toToolResult('hi', 'resp_1');
    expect(result.structuredContent).toEqual({ answer: 'hi', conversation_id: 'resp_1' });
    expect(result.content).toEqual([
      { type: 'text', text: 'hi' },
      { type: 'text', text: expect.stringContaining('conversation_id: resp_1') },
    ]);
  });
});
