import { ToolCallDeltaFilter } from './tool-call-delta-filter';

const isOwn = (name: string) => name === 'own';

describe(ToolCallDeltaFilter.name, () => {
  it('should pass client calls on with dense indexes and hold the agent own calls back', () => {
    const filter = new ToolCallDeltaFilter({ isOwn, maxCalls: Infinity, freshIds: false });
    const out = [
      ...filter.accept({ type: 'tool-call', index: 0, id: 'c0', name: 'own', arguments: '{"a"' }),
      ...filter.accept({ type: 'tool-call', index: 1, id: 'c1', name: 'client', arguments: '' }),
      ...filter.accept({ type: 'tool-call', index: 0, arguments: ':1}' }),
      ...filter.accept({ type: 'tool-call', index: 1, arguments: '{}' }),
    ];
    expect(out).toEqual([
      { type: 'tool-call', index: 0, id: 'c1', name: 'client', arguments: '' },
      { type: 'tool-call', index: 0, arguments: '{}' },
    ]);
    expect(filter.toolCalls).toEqual([
      { id: 'c0', name: 'own', arguments: '{"a":1}' },
      { id: 'c1', name: 'client', arguments: '{}' },
    ]);
  });

  it('should hold deltas until the name arrives, then send them with the first delta', () => {
    const filter = new ToolCallDeltaFilter({ isOwn, maxCalls: Infinity, freshIds: false });
    expect(filter.accept({ type: 'tool-call', index: 0, id: 'c', arguments: '{"q":' })).toEqual([]);
    expect(filter.accept({ type: 'tool-call', index: 0, name: 'client', arguments: '1}' })).toEqual([
      { type: 'tool-call', index: 0, id: 'c', name: 'client', arguments: '{"q":1}' },
    ]);
  });

  it('should give nameless calls to the client at the end, with an id', () => {
    const filter = new ToolCallDeltaFilter({ isOwn, maxCalls: Infinity, freshIds: false });
    filter.accept({ type: 'tool-call', index: 3, arguments: '{}' });
    const [flushed] = filter.flush();
    expect(flushed).toMatchObject({ type: 'tool-call', index: 0, name: '', arguments: '{}' });
    expect(flushed.id).toMatch(/^call_/);
  });

  it('should keep only the first call with maxCalls 1 and none with 0', () => {
    const one = new ToolCallDeltaFilter({ isOwn, maxCalls: 1, freshIds: false });
    one.accept({ type: 'tool-call', index: 0, id: 'a', name: 'x', arguments: '{}' });
    expect(one.accept({ type: 'tool-call', index: 1, id: 'b', name: 'y', arguments: '{}' })).toEqual([]);
    expect(one.toolCalls.map((c) => c.id)).toEqual(['a']);
    const none = new ToolCallDeltaFilter({ isOwn, maxCalls: 0, freshIds: false });
    expect(none.accept({ type: 'tool-call', index: 0, id: 'a', name: 'x', arguments: '{}' })).toEqual([]);
    expect(none.toolCalls).toEqual([]);
  });

  it('should replace backend ids with fresh ones when asked', () => {
    const filter = new ToolCallDeltaFilter({ isOwn, maxCalls: Infinity, freshIds: true });
    const [first] = filter.accept({ type: 'tool-call', index: 0, id: 'call_0', name: 'client', arguments: '' });
    expect(first.id).toMatch(/^call_[A-Za-z0-9_-]{16}$/);
    expect(filter.toolCalls[0].id).toBe(first.id);
  });
});
