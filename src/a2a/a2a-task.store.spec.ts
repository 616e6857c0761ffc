import { type Artifact, type Task, TaskState } from '@a2a-js/sdk';
import { ServerCallContext } from '@a2a-js/sdk/server';
import { attachCall } from './a2a-call';
import { InMemoryA2aStore } from './a2a-store';
import { A2aTaskStore, joinTextParts } from './a2a-task.store';
import { textPart } from './a2a-message.mapper';

const contextFor = (agentId: string, owner: string) => {
  const context = new ServerCallContext();
  attachCall(context, { agentId, owner });
  return context;
};

const artifact = (parts: Artifact['parts']): Artifact => ({
  artifactId: 'answer',
  name: 'answer',
  description: '',
  parts,
  metadata: undefined,
  extensions: [],
});

const task = (id: string, parts: Artifact['parts']): Task => ({
  id,
  contextId: 'ctx',
  status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: '2026-11-29T00:00:00.000Z' },
  artifacts: [artifact(parts)],
  history: [],
  metadata: undefined,
});

describe(A2aTaskStore.name, () => {
  it('should save and load a task in the protocol form, its streamed text parts joined', async () => {
    const store = new A2aTaskStore(new InMemoryA2aStore());
    const context = contextFor('helper', 'key:abc');
    await store.save(task('t1', [textPart('Hel'), textPart('lo')]), context);
    const loaded = await store.load('t1', context);
    expect(loaded?.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(loaded?.artifacts[0].parts).toEqual([textPart('Hello')]);
  });

  it('should scope tasks by agent and by caller', async () => {
    const store = new A2aTaskStore(new InMemoryA2aStore());
    await store.save(task('t1', []), contextFor('helper', 'key:abc'));
    expect(await store.load('t1', contextFor('helper', 'key:abc'))).toBeDefined();
    expect(await store.load('t1', contextFor('helper', 'key:other'))).toBeUndefined();
    expect(await store.load('t1', contextFor('slow', 'key:abc'))).toBeUndefined();
  });

  it('should refuse ListTasks with the protocol error', async () => {
    await expect(new A2aTaskStore(new InMemoryA2aStore()).list()).rejects.toThrow(/not supported/);
  });

  it('should join only adjacent plain text parts', () => {
    const data = { content: { $case: 'data' as const, value: { a: 1 } }, mediaType: '', filename: '', metadata: {} };
    const tagged = { ...textPart('!'), metadata: { source: 'x' } };
    expect(joinTextParts(artifact([textPart('a'), textPart('b'), data, textPart('c'), tagged])).parts).toEqual([
      textPart('ab'),
      data,
      textPart('c'),
      tagged,
    ]);
  });
});
