/**
 * The request bodies offered in the docs' "Try it out". Each must succeed on any served agent (the browser test runs
 * them all) and be a valid OpenAI `CreateChatCompletionRequest` (checked against OpenAI's schema). `model` is replaced
 * by the served model id when the document is built.
 */
const question = [{ role: 'user', content: 'What is the capital of France?' }];
const weatherQuestion = [{ role: 'user', content: 'What is the weather in Paris?' }];
const weatherParameters = {
  type: 'object',
  properties: { city: { type: 'string', description: 'The city name' } },
  required: ['city'],
};

export const EXAMPLE_MODEL = 'camel-model';

export const CHAT_COMPLETION_EXAMPLES = {
  basic: {
    summary: 'A question (the default)',
    value: { model: EXAMPLE_MODEL, messages: question },
  },
  streaming: {
    summary: 'Streamed, with usage at the end',
    description: 'The reply is a `text/event-stream` of `chat.completion.chunk` objects ending with `data: [DONE]`.',
    value: { model: EXAMPLE_MODEL, messages: question, stream: true, stream_options: { include_usage: true } },
  },
  tools: {
    summary: 'A tool the model may call',
    description: 'A call comes back as `tool_calls` with `finish_reason: "tool_calls"`.',
    value: {
      model: EXAMPLE_MODEL,
      messages: weatherQuestion,
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Current weather in a city', parameters: weatherParameters },
        },
      ],
      tool_choice: 'auto',
    },
  },
  json_schema: {
    summary: 'A reply following a JSON Schema',
    value: {
      model: EXAMPLE_MODEL,
      messages: question,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'capital',
          strict: true,
          schema: {
            type: 'object',
            properties: { country: { type: 'string' }, capital: { type: 'string' } },
            required: ['country', 'capital'],
            additionalProperties: false,
          },
        },
      },
    },
  },
  legacy_functions: {
    summary: 'Legacy `functions` and `function_call`',
    value: {
      model: EXAMPLE_MODEL,
      messages: weatherQuestion,
      functions: [{ name: 'get_weather', description: 'Current weather in a city', parameters: weatherParameters }],
      function_call: 'auto',
    },
  },
};

/** What a stream looks like on the wire, for the `text/event-stream` response example. */
export const CHAT_COMPLETION_STREAM_EXAMPLE = [
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764403200,"model":"camel-model","system_fingerprint":null,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"logprobs":null}]}',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764403200,"model":"camel-model","system_fingerprint":null,"choices":[{"index":0,"delta":{"content":"Paris."},"finish_reason":null,"logprobs":null}]}',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764403200,"model":"camel-model","system_fingerprint":null,"choices":[{"index":0,"delta":{},"finish_reason":"stop","logprobs":null}]}',
  'data: [DONE]',
  '',
].join('\n\n');
