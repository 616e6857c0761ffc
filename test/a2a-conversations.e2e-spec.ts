import { TaskState } from '@a2a-js/sdk';
import { z } from 'zod';
import { ScriptedModel } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import { FunctionTool } from '../src/core/tools/function-tool';
import type { ModelRequest } from '../src/core/types';
import { a2aClient, answerOf, asTask, sendRequest } from './utils/a2a-client';
import { startServer, type TestServer } from './utils/test-server';
import { withEnv } from './utils/with-env';

const roles = (request: ModelRequest) => request.messages.map((m) => m.role);
const lastText = (request: ModelRequest) => request.messages.at(-1)?.content as string;

/** A2A contexts kept as conversations of the Responses API's store (e2e, official @a2a-js/sdk client). */
describe('A2A contexts on the Responses store (e2e)', () => {
  let server: TestServer | undefined;
  let model: ScriptedModel;

  beforeEach(() => {
    // A tool call for "order?", then an answer quoting the tool; plain echoes otherwise.
    model = new ScriptedModel({
      replies: (request) => {
        if (request.messages.at(-1)?.role === 'tool') {
          return `It is ${lastText(request)}.`;
        }
        return lastText(request) === 'order?'
          ? { toolCalls: [{ name: 'lookup_order', arguments: { order: 'A-1' } }] }
          : `You said: ${lastText(request)}`;
      },
    });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function serve(env: Record<string, string> = {}): Promise<string> {
    const lookup = new FunctionTool({
      name: 'lookup_order',
      parameters: z.object({ order: z.string() }),
      execute: ({ order }) => `shipped (${order})`,
    });
    server = await withEnv(env, () => startServer({ agents: { helper: new ChatAgent({ model, tools: [lookup] }) } }));
    return server.url;
  }

  it("should replay the agent's own tool turns when a context continues, as the Responses API does", async () => {
    const client = await a2aClient(await serve());
    const first = asTask(await client.sendMessage(sendRequest('order?')));
    expect(answerOf(first)).toBe('It is shipped (A-1).');
    const second = asTask(await client.sendMessage(sendRequest('thanks', first.contextId)));
    expect(answerOf(second)).toBe('You said: thanks');
    expect(roles(model.requests.at(-1)!)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user']);
  });

  it('should start afresh when the conversation a context names has expired from the store', async () => {
    const client = await a2aClient(await serve({ RESPONSES_TTL_MS: '20' }));
    const first = asTask(await client.sendMessage(sendRequest('my name is Ada')));
    await new Promise((resolve) => setTimeout(resolve, 60));
    const second = asTask(await client.sendMessage(sendRequest('who am I?', first.contextId)));
    expect(second.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(second.contextId).toBe(first.contextId);
    expect(roles(model.requests.at(-1)!)).toEqual(['user']);
  });
});
