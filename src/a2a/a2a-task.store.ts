import { type Artifact, type Part, Task, TaskState } from '@a2a-js/sdk';
import { UnsupportedOperationError } from '@a2a-js/sdk/errors';
import type { ServerCallContext, TaskStore } from '@a2a-js/sdk/server';
import { callOf, recordKey } from './a2a-call';
import { A2A_TTL_MS, type TaskRecordStore } from './a2a-store';

/**
 * The SDK's `TaskStore` on our store: tasks travel as the protocol's own JSON (`Task.toJSON`), so any replica, and
 * any SDK version reading them back, sees the same task.
 */
export class A2aTaskStore implements TaskStore {
  /**
   * `onCanceled` hears of a task read back as canceled. The SDK reads a task before applying each event of a run,
   * so a run on this replica learns at its next event that another replica canceled its task.
   */
  constructor(
    private readonly records: TaskRecordStore,
    private readonly onCanceled: (taskId: string) => void = () => undefined,
    private readonly ttlMs = A2A_TTL_MS,
  ) {}

  async save(task: Task, context: ServerCallContext): Promise<void> {
    const record = Task.toJSON({ ...task, artifacts: task.artifacts.map(joinTextParts) });
    await this.records.saveTask(recordKey(callOf(context), task.id), record, this.ttlMs);
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const record = await this.records.getTask(recordKey(callOf(context), taskId));
    if (record === undefined) {
      return undefined;
    }
    const task = Task.fromJSON(record);
    if (task.status?.state === TaskState.TASK_STATE_CANCELED) {
      this.onCanceled(taskId);
    }
    return task;
  }

  list(): Promise<never> {
    // Listing needs an index per caller that neither store keeps; the card's clients use tasks/get by id.
    return Promise.reject(new UnsupportedOperationError('ListTasks is not supported by this server.'));
  }
}

/**
 * A streamed answer arrives as one appended text part per chunk; the stored artifact keeps them joined, so
 * `tasks/get` returns the answer as one part and each save stays one small write.
 */
export function joinTextParts(artifact: Artifact): Artifact {
  const parts: Part[] = [];
  for (const part of artifact.parts) {
    const last = parts.at(-1);
    if (part.content?.$case === 'text' && last?.content?.$case === 'text' && sameKind(last, part)) {
      parts[parts.length - 1] = { ...last, content: { $case: 'text', value: last.content.value + part.content.value } };
    } else {
      parts.push(part);
    }
  }
  return { ...artifact, parts };
}

function sameKind(a: Part, b: Part): boolean {
  const noMetadata = (part: Part) => !part.metadata || Object.keys(part.metadata).length === 0;
  return a.mediaType === b.mediaType && a.filename === b.filename && noMetadata(a) && noMetadata(b);
}
