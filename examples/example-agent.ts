/**
 * The agent the examples serve: a system message, generation defaults and one tool of its own (a calculator the
 * agent runs on the server), around any backend. `createScriptedModel()` is an offline stand-in for an LLM that
 * answers exactly what examples/client.ts asks, so the whole tour runs without a network or an API key.
 */
import {
  ChatAgent,
  FunctionTool,
  ScriptedModel,
  type ChatMessage,
  type ModelBackend,
  type ModelRequest,
  type ScriptedReply,
} from 'chat-agent-server';
import { z } from 'zod';

export const calculator = new FunctionTool({
  name: 'calculator',
  description: 'Compute a basic arithmetic operation on two numbers. Use it for any arithmetic.',
  parameters: z.object({
    a: z.number().describe('The first operand'),
    b: z.number().describe('The second operand'),
    operation: z.enum(['add', 'subtract', 'multiply', 'divide']),
  }),
  execute: ({ a, b, operation }) => {
    switch (operation) {
      case 'add':
        return a + b;
      case 'subtract':
        return a - b;
      case 'multiply':
        return a * b;
      case 'divide':
        if (b === 0) {
          // Thrown errors reach the model as an error result; the request itself does not fail.
          throw new Error('division by zero');
        }
        return a / b;
    }
  },
  timeoutMs: 5_000,
});

export function createExampleAgent(model: ModelBackend | string): ChatAgent {
  return new ChatAgent({
    systemMessage: 'You are a helpful assistant. Use the calculator tool for arithmetic. Be concise.',
    model,
    temperature: 0.7,
    maxTokens: 1024,
    memoryWindow: 20,
    tools: [calculator],
    maxIterations: 5,
  });
}

/** An offline model that answers the questions of examples/client.ts as an LLM with tools would. */
export function createScriptedModel(tokenDelayMs = 0): ScriptedModel {
  return new ScriptedModel({ replies: scriptedReply, tokenDelayMs, modelName: 'scripted-demo' });
}

function scriptedReply(request: ModelRequest): ScriptedReply {
  const last = request.messages.at(-1);
  if (last?.role === 'tool') {
    const call = callAnswered(request.messages, last);
    if (call === 'calculator') {
      return `The result is ${text(last)}.`;
    }
    if (call === 'get_local_time') {
      const time = /"localTime":"([^"]+)"/.exec(text(last))?.[1] ?? text(last);
      return `Your browser says it is **${time}** where you are.`;
    }
    return `Here is what ${call ?? 'the tool'} returned: ${text(last)}`;
  }
  const question = text(last).toLowerCase();
  const offered = new Set((request.tools ?? []).map((tool) => tool.name));
  if (question.includes('capital of france')) {
    return 'The capital of France is Paris.';
  }
  if (question.includes('my name')) {
    const intro = request.messages.map(text).find((t) => /my name is (\w+)/i.test(t));
    return intro ? `Your name is ${/my name is (\w+)/i.exec(intro)![1]}.` : 'You have not told me your name.';
  }
  const product = /(\d+)\s*(?:times|\*|x)\s*(\d+)/.exec(question);
  if (product && offered.has('calculator')) {
    return {
      toolCalls: [{ name: 'calculator', arguments: { a: +product[1], b: +product[2], operation: 'multiply' } }],
    };
  }
  // The playground's own tool (web/playground): the browser answers it, the run resumes with its result.
  if (question.includes('time') && offered.has('get_local_time')) {
    return { content: 'Let me ask your browser.', toolCalls: [{ name: 'get_local_time', arguments: {} }] };
  }
  if (question.includes('story')) {
    return STORY;
  }
  if (question.includes('weather') && offered.has('get_weather')) {
    return { toolCalls: [{ name: 'get_weather', arguments: { city: /in (\w+)/.exec(text(last))?.[1] ?? 'Paris' } }] };
  }
  if (question.includes('count')) {
    return '1, 2, 3, 4, 5.';
  }
  if (question.includes('hello')) {
    return 'Hello!';
  }
  return `You said: ${text(last)}`;
}

/** A long reply, streamed slowly enough to press Stop in the playground. */
const STORY = [
  '## The lighthouse keeper',
  '',
  ...Array.from(
    { length: 12 },
    (_, i) =>
      `Night ${i + 1}: the keeper climbed the ${i + 1 === 1 ? 'first' : 'same'} hundred steps, wound the clockwork, ` +
      'trimmed the wick and watched the beam sweep the dark water until the ships were safe in the harbour.',
  ),
].join('\n\n');

function text(message: ChatMessage | undefined): string {
  const content = message?.content;
  if (typeof content === 'string') {
    return content;
  }
  return (content ?? []).map((part) => (part.type === 'text' ? part.text : '')).join(' ');
}

function callAnswered(messages: ChatMessage[], result: ChatMessage): string | undefined {
  for (const message of [...messages].reverse()) {
    const call = message.toolCalls?.find((c) => c.id === result.toolCallId);
    if (call) {
      return call.name;
    }
  }
  return undefined;
}
