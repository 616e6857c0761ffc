import { InMemoryToolTurnStore } from './in-memory-tool-turn-store';
import type { ToolTurn } from './tool-turn-store';

const turn = (...clientCallIds: string[]): ToolTurn => ({
  assistant: {
    role: 'assistant',
    content: null,
    toolCalls: clientCallIds.map((id) => ({ id, name: 'x', arguments: '{}' })),
  },
  ownResults: [],
  clientCallIds,
});

describe(InMemoryToolTurnStore.name, () => {
  it('should find a turn by any of its client call ids until it is deleted', async () => {
    const store = new InMemoryToolTurnStore();
    await store.save(turn('a', 'b'), 60_000);
    await expect(store.get('a')).resolves.toEqual(turn('a', 'b'));
    await expect(store.get('b')).resolves.toEqual(turn('a', 'b'));
    await expect(store.get('c')).resolves.toBeUndefined();
    await store.delete(['a', 'b']);
    await expect(store.get('a')).resolves.toBeUndefined();
  });

  it('should forget a turn once it expired', async () => {
    const store = new InMemoryToolTurnStore();
    await store.save(turn('a'), 0);
    await expect(store.get('a')).resolves.toBeUndefined();
  });

  it('should return copies, so callers cannot change what is stored', async () => {
    const store = new InMemoryToolTurnStore();
    await store.save(turn('a'), 60_000);
    const first = await store.get('a');
    first!.ownResults.push({ role: 'tool', content: 'x', toolCallId: 'z' });
    await expect(store.get('a')).resolves.toEqual(turn('a'));
  });

  it('should drop the oldest turns beyond its size cap', async () => {
    const store = new InMemoryToolTurnStore(2);
    await store.save(turn('1'), 60_000);
    await store.save(turn('2'), 60_000);
    await store.save(turn('3'), 60_000);
    expect(store.size).toBe(2);
    await expect(store.get('1')).resolves.toBeUndefined();
    await expect(store.get('3')).resolves.toBeDefined();
  });
});
