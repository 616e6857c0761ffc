import { randomUUID } from 'node:crypto';
import { type Message, type Part, Role, type TaskArtifactUpdateEvent, TaskState } from '@a2a-js/sdk';
import type { AgentExecutionEvent } from '@a2a-js/sdk/server';
import { AgentEvent } from '@a2a-js/sdk/server';
import type { ChatMessage, ContentPart } from '../core/types';

/** The one artifact a task's answer streams into. */
export const ANSWER_ARTIFACT_ID = 'answer';

/** An A2A message as the agent reads it: text and data parts as text, images as image parts, other files named. */
export function toChatMessage(message: Message): ChatMessage {
  const role = message.role === Role.ROLE_AGENT ? 'assistant' : 'user';
  const parts = message.parts.map(toContentPart).filter((part): part is ContentPart => part !== undefined);
  if (parts.every((part) => part.type === 'text')) {
    return { role, content: parts.map((part) => part.text).join('\n') };
  }
  return { role, content: parts };
}

function toContentPart(part: Part): ContentPart | undefined {
  const content = part.content;
  switch (content?.$case) {
    case 'text':
      return { type: 'text', text: content.value };
    case 'data':
      return { type: 'text', text: JSON.stringify(content.value) };
    case 'url':
      return part.mediaType.startsWith('image/')
        ? { type: 'image_url', url: content.value }
        : { type: 'text', text: `[file ${part.filename || content.value} (${part.mediaType || 'unknown type'})]` };
    case 'raw':
      return part.mediaType.startsWith('image/')
        ? { type: 'image_url', url: `data:${part.mediaType};base64,${content.value.toString('base64')}` }
        : { type: 'text', text: `[attached file ${part.filename || ''} (${part.mediaType || 'unknown type'})]` };
    case undefined:
      return undefined;
  }
}

export function textPart(text: string): Part {
  return { content: { $case: 'text', value: text }, mediaType: 'text/plain', filename: '', metadata: undefined };
}

/** The ids every event of one task carries. */
export interface TaskIds {
  taskId: string;
  contextId: string;
}

export function agentMessage(ids: TaskIds, text: string): Message {
  return {
    messageId: randomUUID(),
    ...ids,
    role: Role.ROLE_AGENT,
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

export function statusEvent(ids: TaskIds, state: TaskState, text?: string): AgentExecutionEvent {
  return AgentEvent.statusUpdate({
    ...ids,
    status: {
      state,
      message: text === undefined ? undefined : agentMessage(ids, text),
      timestamp: new Date().toISOString(),
    },
    metadata: undefined,
  });
}

/** One chunk of the answer; the first one opens the artifact, the others append to it. */
export function answerChunk(ids: TaskIds, text: string, first: boolean, last: boolean): AgentExecutionEvent {
  const update: TaskArtifactUpdateEvent = {
    ...ids,
    artifact: {
      artifactId: ANSWER_ARTIFACT_ID,
      name: 'answer',
      description: "The agent's answer.",
      parts: [textPart(text)],
      metadata: undefined,
      extensions: [],
    },
    append: !first,
    lastChunk: last,
    metadata: undefined,
  };
  return AgentEvent.artifactUpdate(update);
}

export function submittedTask(ids: TaskIds, userMessage: Message): AgentExecutionEvent {
  return AgentEvent.task({
    id: ids.taskId,
    contextId: ids.contextId,
    status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() },
    artifacts: [],
    history: [userMessage],
    metadata: undefined,
  });
}
