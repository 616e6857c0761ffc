import { randomUUID } from 'node:crypto';
import { type Message, Role, type Task } from '@a2a-js/sdk';
import { type Client, ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from '@a2a-js/sdk/client';

/** A fetch that sends `key` as a bearer token (how an A2A client is given credentials). */
export function fetchWithKey(key?: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    if (key) {
      headers.set('authorization', `Bearer ${key}`);
    }
    return fetch(input, { ...init, headers });
  };
}

/**
 * The official A2A 1.0 client, from the card at `path` (default: the server's `/.well-known/agent-card.json`). With
 * `polling`, a send returns the task at once (`returnImmediately`) instead of waiting for its end.
 */
export function a2aClient(
  baseUrl: string,
  options: { key?: string; path?: string; polling?: boolean } = {},
): Promise<Client> {
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl: fetchWithKey(options.key) })],
      clientConfig: { polling: options.polling },
    }),
  );
  return factory.createFromUrl(baseUrl, options.path);
}

export function userMessage(text: string, contextId = ''): Message {
  return {
    messageId: randomUUID(),
    contextId,
    taskId: '',
    role: Role.ROLE_USER,
    parts: [{ content: { $case: 'text', value: text }, mediaType: 'text/plain', filename: '', metadata: undefined }],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

export function sendRequest(text: string, contextId?: string) {
  return { tenant: '', message: userMessage(text, contextId), configuration: undefined, metadata: undefined };
}

/** The text of a task's artifacts, parts joined. */
export function answerOf(task: Task): string {
  return task.artifacts
    .flatMap((artifact) => artifact.parts)
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');
}

export function asTask(result: Message | Task): Task {
  if (!('status' in result)) {
    throw new Error(`Expected a task, got a message: ${JSON.stringify(result)}`);
  }
  return result;
}
