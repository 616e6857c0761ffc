import { createOpenAI } from '@ai-sdk/openai';
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool as agentTool } from '@openai/agents';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { ScriptedModel, type ScriptedResponder } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import type { ChatMessage, ModelRequest } from '../src/core/types';
import { startServer, type TestServer } from './utils/test-server';

const MODEL = 'camel-model';

const toolResults = (request: ModelRequest) =>
  request.messages.filter((m) => m.role === 'tool').map((m) => m.content as string);
const userTexts = (messages: ChatMessage[]) =>
  messages.filter((m) => m.role === 'user').map((m) => (typeof m.content === 'string' ? m.content : '[parts]'));

/**
 * Asks for the client's get_time until a tool result is in the conversation since the last user message, then
 * answers from the results and the user messages it saw (so a test can tell what the model remembered).
 */
const timeThenAnswer: ScriptedResponder = (request) => {
  const lastUser = request.messages.map((m) => m.role).lastIndexOf('user');
  const answered = request.messages.slice(lastUser).some((m) => m.role === 'tool');
  if (!answered) {
    return { toolCalls: [{ name: 'get_time', arguments: { tz: 'CET' } }] };
  }
  return `Time: ${toolResults(request).join(' & ')} (asked: ${userTexts(request.messages).join(' / ')})`;
};

describe('Responses API with real clients (e2e)', () => {
  let server: TestServer;
  let model: ScriptedModel;

  beforeEach(async () => {
    model = new ScriptedModel({ replies: timeThenAnswer });
    server = await startServer({ agents: new ChatAgent({ systemMessage: 'SYS', model }) });
  });
  afterEach(async () => {
    await server.close();
  });

  describe('OpenAI Agents SDK (@openai/agents, default Responses mode)', () => {
    beforeAll(() => setTracingDisabled(true));

    const runner = () =>
      new Runner({ modelProvider: new OpenAIProvider({ baseURL: `${server.url}/v1`, apiKey: 'k' }) });
    const agent = () =>
      new Agent({
        name: 'Clock',
        instructions: 'Tell the time.',
        model: MODEL,
        tools: [
          agentTool({
            name: 'get_time',
            description: 'Current time in a time zone',
            parameters: z.object({ tz: z.string() }),
            execute: ({ tz }) => `12:00 ${tz}`,
          }),
        ],
      });

    it('should run an agent with a function tool to completion, then continue with previousResponseId', async () => {
      const first = await runner().run(agent(), 'What time is it?');
      expect(first.finalOutput).toBe('Time: 12:00 CET (asked: What time is it?)');
      expect(first.lastResponseId).toMatch(/^resp_/);
      // Instructions reach the model after the agent's own system message.
      expect(model.requests[0].messages.slice(0, 2)).toEqual([
        { role: 'system', content: 'SYS' },
        { role: 'system', content: 'Tell the time.' },
      ]);

      const second = await runner().run(agent(), 'And now?', { previousResponseId: first.lastResponseId });
      expect(second.finalOutput).toBe('Time: 12:00 CET & 12:00 CET (asked: What time is it? / And now?)');
    });

    it('should stream an agent run to completion', async () => {
      const result = await runner().run(agent(), 'Time please', { stream: true });
      let text = '';
      for await (const event of result.toTextStream()) {
        text += event;
      }
      await result.completed;
      expect(result.finalOutput).toBe('Time: 12:00 CET (asked: Time please)');
      expect(text).toBe(result.finalOutput);
    });
  });

  describe('Vercel AI SDK (ai v6 + @ai-sdk/openai default provider = Responses)', () => {
    const provider = () => createOpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k' });
    const getTime = () =>
      tool({
        description: 'Current time in a time zone',
        inputSchema: z.object({ tz: z.string() }),
        execute: ({ tz }) => Promise.resolve(`12:00 ${tz}`),
      });

    it('should generate text', async () => {
      model = new ScriptedModel({ replies: ['plain answer'] });
      await server.close();
      server = await startServer({ agents: new ChatAgent({ model }) });
      const result = await generateText({ model: provider()(MODEL), prompt: 'Hi', maxRetries: 0 });
      expect(result.text).toBe('plain answer');
      expect(result.finishReason).toBe('stop');
      expect(result.usage.outputTokens).toBe(2);
      expect(result.response.id).toMatch(/^resp_/);
    });

    it('should continue a conversation whose earlier answer it sends as an item_reference', async () => {
      model = new ScriptedModel({ replies: (request) => `answer ${request.messages.length}` });
      await server.close();
      server = await startServer({ agents: new ChatAgent({ model }) });
      const first = await generateText({ model: provider()(MODEL), prompt: 'Hi', maxRetries: 0 });
      expect(first.text).toBe('answer 1');
      const second = await generateText({
        model: provider()(MODEL),
        messages: [{ role: 'user', content: 'Hi' }, ...first.response.messages, { role: 'user', content: 'Again' }],
        maxRetries: 0,
      });
      expect(second.text).toBe('answer 3');
      expect(model.requests[1].messages).toEqual([
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'answer 1' },
        { role: 'user', content: 'Again' },
      ]);
      // The earlier answer went over as a reference to the stored output item, not as text.
      const items = (await (
        await fetch(`${server.url}/v1/responses/${second.response.id}/input_items?order=asc`)
      ).json()) as { data: Array<{ id: string; role: string }> };
      expect(items.data[1]).toMatchObject({
        role: 'assistant',
        id: `msg_${first.response.id.slice('resp_'.length)}_1`,
      });
    });

    it('should stream text', async () => {
      model = new ScriptedModel({ replies: ['streamed plain answer'] });
      await server.close();
      server = await startServer({ agents: new ChatAgent({ model }) });
      const result = streamText({ model: provider()(MODEL), prompt: 'Hi', maxRetries: 0 });
      const parts: string[] = [];
      for await (const part of result.textStream) {
        parts.push(part);
      }
      expect(parts.join('')).toBe('streamed plain answer');
      expect(parts.length).toBeGreaterThan(1);
      expect(await result.finishReason).toBe('stop');
    });

    it('should complete a tool round trip with generateText', async () => {
      const result = await generateText({
        model: provider()(MODEL),
        prompt: 'What time is it?',
        tools: { get_time: getTime() },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      expect(result.steps).toHaveLength(2);
      expect(result.steps[0].toolCalls.map((c) => [c.toolName, c.input])).toEqual([['get_time', { tz: 'CET' }]]);
      expect(result.text).toBe('Time: 12:00 CET (asked: What time is it?)');
    });

    it('should complete a tool round trip with streamText', async () => {
      const result = streamText({
        model: provider()(MODEL),
        prompt: 'What time is it?',
        tools: { get_time: getTime() },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      expect(await result.text).toBe('Time: 12:00 CET (asked: What time is it?)');
      const steps = await result.steps;
      expect(steps[0].finishReason).toBe('tool-calls');
      expect(model.requests[1].messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    });
  });
});
