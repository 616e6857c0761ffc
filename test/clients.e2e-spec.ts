import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { AIMessage, HumanMessage, ToolMessage, type AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { ScriptedModel, type ScriptedResponder } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import { FunctionTool } from '../src/core/tools/function-tool';
import type { ModelRequest } from '../src/core/types';
import { startServer, type TestServer } from './utils/test-server';

const MODEL = 'camel-model';

const toolResults = (request: ModelRequest) =>
  request.messages.filter((m) => m.role === 'tool').map((m) => m.content as string);

/** A mixed turn: the agent's own weather tool and the client's get_time, then an answer from both results. */
const mixedTurn: ScriptedResponder = (request, i) =>
  i === 0
    ? {
        toolCalls: [
          { name: 'get_weather', arguments: { city: 'Bern' } },
          { name: 'get_time', arguments: { tz: 'CET' } },
        ],
      }
    : `Results: ${toolResults(request).join(' & ')}`;

describe('Third-party clients with tools (e2e)', () => {
  let server: TestServer;
  let model: ScriptedModel;

  beforeEach(async () => {
    model = new ScriptedModel({ replies: mixedTurn });
    const weather = new FunctionTool({
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: z.object({ city: z.string() }),
      execute: ({ city }) => `${city}: 21C`,
    });
    server = await startServer({ agents: new ChatAgent({ model, tools: [weather] }) });
  });
  afterEach(async () => {
    await server.close();
  });

  const assertFullTurnReplayed = () => {
    expect(model.requests).toHaveLength(2);
    const seen = model.requests[1].messages;
    expect(seen.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
    expect(seen[1].toolCalls?.map((c) => c.name)).toEqual(['get_weather', 'get_time']);
  };

  describe('Vercel AI SDK (ai v6 + @ai-sdk/openai-compatible)', () => {
    const provider = () => createOpenAICompatible({ name: 'camel', baseURL: `${server.url}/v1`, apiKey: 'k' });
    const getTime = () =>
      tool({
        description: 'Current time in a time zone',
        inputSchema: z.object({ tz: z.string() }),
        execute: ({ tz }) => Promise.resolve(`12:00 ${tz}`),
      });

    it('should complete a tool round trip with generateText', async () => {
      const result = await generateText({
        model: provider()(MODEL),
        prompt: 'Weather and time in Bern?',
        tools: { get_time: getTime() },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      expect(result.steps).toHaveLength(2);
      expect(result.steps[0].toolCalls.map((c) => [c.toolName, c.input])).toEqual([['get_time', { tz: 'CET' }]]);
      expect(result.text).toBe('Results: Bern: 21C & 12:00 CET');
      assertFullTurnReplayed();
    });

    it('should complete a tool round trip with streamText', async () => {
      const result = streamText({
        model: provider()(MODEL),
        prompt: 'Weather and time in Bern?',
        tools: { get_time: getTime() },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      expect(await result.text).toBe('Results: Bern: 21C & 12:00 CET');
      const steps = await result.steps;
      expect(steps[0].finishReason).toBe('tool-calls');
      assertFullTurnReplayed();
    });
  });

  describe('LangChain (@langchain/openai)', () => {
    const chat = (streaming: boolean) =>
      new ChatOpenAI({
        model: MODEL,
        apiKey: 'k',
        streaming,
        maxRetries: 0,
        configuration: { baseURL: `${server.url}/v1` },
      }).bindTools([
        {
          type: 'function',
          function: {
            name: 'get_time',
            description: 'Current time in a time zone',
            parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] },
          },
        },
      ]);

    /**
     * `invoke()` with `streaming: true` is left out on purpose: it estimates token counts with tiktoken, whose
     * encodings @langchain/core downloads from tiktoken.pages.dev (with retries), and this machine has no network.
     * `stream()` (what LangGraph uses) streams from the server without that download.
     */
    const ask = async (llm: ReturnType<typeof chat>, messages: BaseMessage[], streaming: boolean) => {
      if (!streaming) {
        return llm.invoke(messages);
      }
      let merged: AIMessageChunk | undefined;
      for await (const chunk of await llm.stream(messages)) {
        merged = merged ? merged.concat(chunk) : chunk;
      }
      return new AIMessage({ content: merged!.content, tool_calls: merged!.tool_calls });
    };

    it.each([
      ['invoke()', false],
      ['stream()', true],
    ])('should complete a tool round trip with %s', async (_name, streaming) => {
      const llm = chat(streaming);
      const question = new HumanMessage('Weather and time in Bern?');
      const first = await ask(llm, [question], streaming);
      expect(first.tool_calls).toEqual([
        { name: 'get_time', args: { tz: 'CET' }, id: expect.stringMatching(/^call_/) as string, type: 'tool_call' },
      ]);
      const answer = await ask(
        llm,
        [question, first, new ToolMessage({ tool_call_id: first.tool_calls![0].id!, content: '12:00 CET' })],
        streaming,
      );
      expect(answer.content).toBe('Results: Bern: 21C & 12:00 CET');
      assertFullTurnReplayed();
    });
  });
});
