/**
 * A tour of the agent through the official `openai` client, one line per check; exits non-zero when one fails.
 *
 *   npx tsx examples/openai-server.ts --scripted &    # or against a real model
 *   npx tsx examples/client.ts
 *
 * CHAT_AGENT_URL (default http://localhost:8000/v1), CHAT_AGENT_API_KEY (when the server requires one).
 * The checks hold for a real LLM as well as for the scripted demo model: they ask for things, not exact words.
 */
import OpenAI from 'openai';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const weatherFunction = weatherTool.function;
const WEATHER = 'sunny, 22 degrees';

class CheckFailed extends Error {}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new CheckFailed(message);
  }
}

/** Runs every check against `baseURL` (e.g. http://localhost:8000/v1) and returns their results. */
export async function runChecks(
  baseURL: string,
  options: { apiKey?: string; log?: (line: string) => void } = {},
): Promise<CheckResult[]> {
  const client = new OpenAI({ baseURL, apiKey: options.apiKey ?? 'not-needed', maxRetries: 0 });
  const results: CheckResult[] = [];
  let model = '';

  const check = async (name: string, body: () => Promise<string>) => {
    let result: CheckResult;
    try {
      result = { name, ok: true, detail: await body() };
    } catch (error) {
      result = { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
    results.push(result);
    options.log?.(`${result.ok ? 'PASS' : 'FAIL'}  ${name}: ${result.detail}`);
  };
  const answer = async (messages: Message[]) => {
    const completion = await client.chat.completions.create({ model, messages });
    return completion.choices[0].message.content ?? '';
  };

  await check('models', async () => {
    const { data } = await client.models.list();
    expect(data.length > 0, 'no model served');
    model = data[0].id;
    return `serving ${data.map((m) => m.id).join(', ')}`;
  });

  await check('basic chat', async () => {
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    });
    const content = completion.choices[0].message.content ?? '';
    expect(content.includes('Paris'), `expected Paris in "${content}"`);
    expect(completion.choices[0].finish_reason === 'stop', `finish_reason ${completion.choices[0].finish_reason}`);
    expect((completion.usage?.total_tokens ?? 0) > 0, 'no usage');
    return content;
  });

  await check('system message', async () => {
    const content = await answer([
      { role: 'system', content: 'Answer in one short sentence.' },
      { role: 'user', content: 'Say hello.' },
    ]);
    expect(content.trim().length > 0, 'empty answer');
    return content;
  });

  await check('streaming', async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Count from 1 to 5.' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage?.total_tokens ?? usage;
    }
    expect(chunks > 2, `only ${chunks} chunks`);
    expect(text.includes('5'), `expected 5 in "${text}"`);
    expect(usage > 0, 'no usage chunk');
    return `${chunks} chunks: ${text}`;
  });

  await check('multi-turn', async () => {
    const content = await answer([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Nice to meet you, Ada.' },
      { role: 'user', content: 'What is my name?' },
    ]);
    expect(content.includes('Ada'), `expected Ada in "${content}"`);
    return content;
  });

  await check("agent's own tool (runs on the server)", async () => {
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is 12 times 7? Use the calculator.' }],
    });
    const message = completion.choices[0].message;
    expect(!message.tool_calls, 'the agent leaked its own tool call to the client');
    expect((message.content ?? '').includes('84'), `expected 84 in "${message.content}"`);
    return message.content ?? '';
  });

  await check('client tools (tool_calls round trip)', async () => {
    const messages: Message[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const first = await client.chat.completions.create({
      model,
      messages,
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const call = first.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function', 'no tool call returned');
    expect(call.function.name === 'get_weather', `called ${call.function.name}`);
    expect(first.choices[0].finish_reason === 'tool_calls', `finish_reason ${first.choices[0].finish_reason}`);
    const args = JSON.parse(call.function.arguments) as { city?: string };
    expect(typeof args.city === 'string', `arguments ${call.function.arguments}`);
    const content = await answer([
      ...messages,
      first.choices[0].message,
      { role: 'tool', tool_call_id: call.id, content: WEATHER },
    ]);
    expect(content.includes('22') || content.toLowerCase().includes('sunny'), `answer ignores the tool: "${content}"`);
    return `get_weather(${call.function.arguments}) -> ${content}`;
  });

  await check('legacy functions (function_call round trip)', async () => {
    const messages: Message[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const first = await client.chat.completions.create({
      model,
      messages,
      functions: [weatherFunction],
      function_call: { name: 'get_weather' },
    });
    const choice = first.choices[0];
    const call = choice.message.function_call;
    expect(call?.name === 'get_weather', 'no function_call returned');
    expect(choice.finish_reason === 'function_call', `finish_reason ${choice.finish_reason}`);
    const content = await answer([
      ...messages,
      { role: 'assistant', content: null, function_call: call },
      { role: 'function', name: 'get_weather', content: WEATHER },
    ]);
    expect(
      content.includes('22') || content.toLowerCase().includes('sunny'),
      `answer ignores the result: "${content}"`,
    );
    return `get_weather(${call.arguments}) -> ${content}`;
  });

  await check('error: unknown model is a 404 with an OpenAI error body', async () => {
    try {
      await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] });
    } catch (error) {
      expect(error instanceof OpenAI.APIError, `not an API error: ${String(error)}`);
      expect(error.status === 404, `status ${error.status}`);
      expect(error.code === 'model_not_found', `code ${error.code}`);
      return error.message;
    }
    throw new CheckFailed('the request succeeded');
  });

  await check('error: an invalid request is a 400 naming the parameter', async () => {
    try {
      await client.chat.completions.create({ model, messages: [], temperature: 5 });
    } catch (error) {
      expect(error instanceof OpenAI.BadRequestError, `not a 400: ${String(error)}`);
      expect(typeof error.param === 'string', 'no param');
      return `${error.param}: ${error.message}`;
    }
    throw new CheckFailed('the request succeeded');
  });

  return results;
}

if (require.main === module) {
  const baseURL = process.env.CHAT_AGENT_URL ?? 'http://localhost:8000/v1';
  console.log(`Checking ${baseURL}`);
  runChecks(baseURL, { apiKey: process.env.CHAT_AGENT_API_KEY, log: (line) => console.log(line) }).then(
    (results) => {
      const failed = results.filter((r) => !r.ok).length;
      console.log(`${results.length - failed}/${results.length} checks passed`);
      process.exit(failed > 0 ? 1 : 0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
