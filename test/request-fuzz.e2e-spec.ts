import { deflateSync, gzipSync } from 'node:zlib';
import { postJson } from './utils/sse';
import { startUpstreamStack, type UpstreamStack } from './utils/test-server';

/**
 * Several hundred generated bad bodies (issue 12): malformed and truncated JSON, a wrong type for every field, deep
 * nesting, bogus encodings and huge arrays under the body limit. Every answer must be an OpenAI-shaped 4xx, the
 * upstream never called, and the server must serve a normal request afterwards.
 */

interface Case {
  name: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

/** A small deterministic generator: a failure names its case, and the same seed makes the same cases. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

const user = { role: 'user', content: 'hi' };
const tool = { type: 'function', function: { name: 'f', parameters: { type: 'object' } } };
const call = { id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } };

/** Valid bodies, the raw material of the malformed ones. */
const TEMPLATES: object[] = [
  { messages: [user] },
  { model: 'camel-model', messages: [{ role: 'system', content: 'Be brief.' }, user], temperature: 0.5, stream: true },
  {
    messages: [
      user,
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'c1', content: 'r' },
    ],
    tools: [tool],
    tool_choice: 'auto',
  },
];

const NOT_BOOLEAN = ['yes', 1, [], {}];
const NOT_STRING = [1, [], {}, true];
const NOT_OBJECT = ['x', 1, [], true];
const NOT_ARRAY = ['x', 1, {}, true];

/** Each field with values of the wrong type or out of range; everything else in the body is valid. */
const WRONG_TOP_LEVEL: Record<string, unknown[]> = {
  model: [1, [], {}, true, ''],
  messages: [[], 'hi', 1, {}, [1], [[]], [null]],
  stream: NOT_BOOLEAN,
  stream_options: [...NOT_OBJECT, { include_usage: 'yes' }],
  temperature: ['0.5', -0.1, 2.1, [], {}, true],
  top_p: ['1', -1, 1.5, []],
  max_tokens: [0, 1.5, '10', [], true],
  max_completion_tokens: [0, -5, 2.5, 'x'],
  stop: [1, ['a', 1], ['a', 'b', 'c', 'd', 'e'], {}, true],
  n: [0, 17, 1.5, '2'],
  seed: [1.5, '42', [], {}],
  presence_penalty: [-3, 3, '0', []],
  frequency_penalty: [-2.5, 2.5, 'x', {}],
  logit_bias: ['x', 1, [], { '1': 'x' }, { token: 1 }, { '1': 101 }, { '1': [] }],
  response_format: [
    ...NOT_OBJECT,
    { type: 'xml' },
    { type: 'json_schema' },
    { type: 'json_schema', json_schema: { name: 'bad name!' } },
  ],
  tools: [
    ...NOT_ARRAY,
    [1],
    [[tool]],
    [{ type: 'custom' }],
    [{ type: 'function' }],
    [{ type: 'function', function: [] }],
    [tool, tool],
  ],
  tool_choice: ['sometimes', 1, [], { type: 'function' }, { type: 'function', function: { name: 'nope' } }],
  parallel_tool_calls: NOT_BOOLEAN,
  functions: [[], 'x', {}, [{ name: 'bad name' }], [{ name: 'f', parameters: 'x' }]],
  function_call: ['always', 1, [], { name: 1 }],
  user: NOT_STRING,
  metadata: ['x', [], { a: 1 }, Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']))],
  logprobs: NOT_BOOLEAN,
  top_logprobs: [-1, 21, 'x', 1.5],
  service_tier: NOT_STRING,
  reasoning_effort: NOT_STRING,
  verbosity: NOT_STRING,
  store: NOT_BOOLEAN,
  modalities: ['text', [1], {}],
  prediction: ['x', [], { type: 'other' }, { type: 'content', content: 1 }],
  audio: ['alloy', [], { voice: 'alloy' }, { format: 'wav', voice: 1 }],
  web_search_options: ['x', [], { search_context_size: 1 }, { user_location: 'here' }],
};

/** The same for a message's fields (in the second message, after a valid user message). */
const WRONG_MESSAGE: Record<string, unknown[]> = {
  role: ['usr', 1, null, [], {}],
  content: [1, {}, true, [1], [{ text: 'x' }], [{ type: 'text' }], [{ type: 'image_url' }], [{ type: 'video' }]],
  name: [1, [], 'two words', 'a/b'],
  tool_calls: ['x', {}, [1], [{}], [{ id: 'c' }], [{ ...call, type: 'custom' }], [{ ...call, function: 'f' }]],
  tool_call_id: [1, [], ''],
  function_call: ['f', 1, { name: 'f' }, { arguments: '{}' }],
  refusal: NOT_STRING,
  audio: ['x', 1, []],
};

function wrongTypeCases(): Case[] {
  const cases: Case[] = [];
  for (const [field, values] of Object.entries(WRONG_TOP_LEVEL)) {
    for (const value of values) {
      const body = field === 'messages' ? { messages: value } : { messages: [user], [field]: value };
      cases.push({ name: `${field} = ${JSON.stringify(value)}`, body: JSON.stringify(body) });
    }
  }
  for (const [field, values] of Object.entries(WRONG_MESSAGE)) {
    for (const value of values) {
      const role = field === 'tool_calls' || field === 'function_call' || field === 'refusal' ? 'assistant' : 'user';
      const message = { role, content: field === 'tool_call_id' ? 'r' : 'x', [field]: value };
      if (field === 'tool_call_id') {
        message.role = 'tool';
      }
      cases.push({
        name: `messages.1.${field} = ${JSON.stringify(value)}`,
        body: JSON.stringify({ messages: [user, message] }),
      });
    }
  }
  for (const [field, value] of [
    ['name', 1],
    ['name', 'bad name'],
    ['description', 1],
    ['parameters', 'x'],
    ['parameters', { type: 'nonsense' }],
    ['parameters', { properties: 1 }],
    ['strict', 'yes'],
  ] as const) {
    const body = { messages: [user], tools: [{ type: 'function', function: { ...tool.function, [field]: value } }] };
    cases.push({ name: `tools.0.function.${field} = ${JSON.stringify(value)}`, body: JSON.stringify(body) });
  }
  return cases;
}

function malformedCases(next: () => number, count: number): Case[] {
  const cases: Case[] = [
    { name: 'empty body', body: '' },
    { name: 'null', body: 'null' },
    { name: 'a string', body: '"hello"' },
    { name: 'a number', body: '42' },
    { name: 'an array', body: '[]' },
    { name: 'trailing garbage', body: JSON.stringify(TEMPLATES[0]) + 'x' },
    { name: 'two bodies', body: JSON.stringify(TEMPLATES[0]) + JSON.stringify(TEMPLATES[0]) },
    { name: 'a lone surrogate escape', body: '{"messages":[{"role":"user","content":"\\ud800"}],"x":"\\u12"}' },
  ];
  for (let i = 0; i < count; i++) {
    const text = JSON.stringify(TEMPLATES[i % TEMPLATES.length]);
    if (i % 2 === 0) {
      const cut = 1 + Math.floor(next() * (text.length - 1));
      cases.push({ name: `truncated at ${cut} of template ${i % TEMPLATES.length}`, body: text.slice(0, cut) });
    } else {
      // A structural character (outside strings) replaced by one no JSON allows there.
      const positions = structuralPositions(text);
      const at = positions[Math.floor(next() * positions.length)];
      const junk = ['x', ';', '#', "'"][Math.floor(next() * 4)];
      cases.push({
        name: `'${text[at]}' at ${at} replaced by '${junk}'`,
        body: text.slice(0, at) + junk + text.slice(at + 1),
      });
    }
  }
  return cases;
}

function structuralPositions(text: string): number[] {
  const positions: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') {
        i++;
      } else if (c === '"') {
        inString = false;
      }
    } else if (c === '"') {
      inString = true;
    } else if ('{}[]:,'.includes(c)) {
      positions.push(i);
    }
  }
  return positions;
}

function deepCases(next: () => number, count: number): Case[] {
  const cases: Case[] = [];
  const places = [
    (inner: string) => `{"messages":[{"role":"user","content":"hi"}],"x":${inner}}`,
    (inner: string) => `{"messages":[{"role":"user","content":${inner}}]}`,
    (inner: string) =>
      `{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${inner}}}]}`,
    (inner: string) => `{"messages":[{"role":"user","content":"hi"}],"metadata":${inner}}`,
    (inner: string) => `{"messages":${inner}}`,
  ];
  for (let i = 0; i < count; i++) {
    const depth = 65 + Math.floor(next() * 3000);
    const inner = i % 2 === 0 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    cases.push({ name: `nested ${depth} deep in place ${i % places.length}`, body: places[i % places.length](inner) });
  }
  return cases;
}

function encodingCases(): Case[] {
  const valid = JSON.stringify(TEMPLATES[0]);
  const cases: Case[] = [];
  for (const encoding of ['gzip', 'deflate', 'br', 'GZIP', 'compress', 'x-unknown', 'gzip, br']) {
    cases.push({ name: `${encoding} declared on plain JSON`, body: valid, headers: { 'content-encoding': encoding } });
  }
  const gzipped = gzipSync(valid);
  for (const cut of [1, 10, 20, gzipped.length - 4]) {
    cases.push({ name: `gzip cut at ${cut}`, body: gzipped.subarray(0, cut), headers: { 'content-encoding': 'gzip' } });
  }
  cases.push({ name: 'deflate declared, gzip sent', body: gzipped, headers: { 'content-encoding': 'deflate' } });
  cases.push({
    name: 'gzip of malformed JSON',
    body: gzipSync('{"messages":['),
    headers: { 'content-encoding': 'gzip' },
  });
  cases.push({
    name: 'deflate of a deep body',
    body: deflateSync('['.repeat(5000)),
    headers: { 'content-encoding': 'deflate' },
  });
  cases.push({
    name: 'gzip of 300,000 messages',
    body: gzipSync(JSON.stringify({ messages: Array(300_000).fill(user) })),
    headers: { 'content-encoding': 'gzip' },
  });
  cases.push({ name: 'UTF-32 charset', body: valid, headers: { 'content-type': 'application/json; charset=utf-32' } });
  cases.push({
    name: 'a Latin-1 charset',
    body: valid,
    headers: { 'content-type': 'application/json; charset=latin1' },
  });
  return cases;
}

function hugeArrayCases(next: () => number): Case[] {
  const between = (low: number, high: number) => low + Math.floor(next() * (high - low));
  const cases: Case[] = [];
  for (let i = 0; i < 4; i++) {
    const messages = between(2049, 30_000);
    cases.push({ name: `${messages} messages`, body: JSON.stringify({ messages: Array(messages).fill(user) }) });
    const bias = between(1025, 20_000);
    const logitBias = Object.fromEntries(Array.from({ length: bias }, (_, k) => [String(k), 1]));
    cases.push({
      name: `${bias} logit_bias entries`,
      body: JSON.stringify({ messages: [user], logit_bias: logitBias }),
    });
    const tools = between(129, 2000);
    const toolList = Array.from({ length: tools }, (_, k) => ({ type: 'function', function: { name: `f${k}` } }));
    cases.push({ name: `${tools} tools`, body: JSON.stringify({ messages: [user], tools: toolList }) });
    const parts = between(1025, 20_000);
    const content = Array(parts).fill({ type: 'text', text: 'a' });
    cases.push({ name: `${parts} content parts`, body: JSON.stringify({ messages: [{ role: 'user', content }] }) });
    const calls = between(129, 5000);
    const assistant = { role: 'assistant', content: null, tool_calls: Array(calls).fill(call) };
    cases.push({ name: `${calls} tool calls`, body: JSON.stringify({ messages: [user, assistant] }) });
    const stops = between(5, 90_000);
    cases.push({
      name: `${stops} stop strings`,
      body: JSON.stringify({ messages: [user], stop: Array(stops).fill('x') }),
    });
    const zeros = between(1000, 99_000);
    cases.push({ name: `${zeros} zeros as messages`, body: JSON.stringify({ messages: Array(zeros).fill(0) }) });
    const keys = between(17, 50_000);
    const metadata = Object.fromEntries(Array.from({ length: keys }, (_, k) => [`k${k}`, 'v']));
    cases.push({ name: `${keys} metadata keys`, body: JSON.stringify({ messages: [user], metadata }) });
    const items = between(100_001, 1_000_000);
    cases.push({
      name: `${items} items under an unknown field`,
      body: `{"messages":[{"role":"user","content":"hi"}],"x":[${'0,'.repeat(items - 1)}0]}`,
    });
  }
  return cases;
}

describe('Request fuzzing: bad bodies get OpenAI-shaped 4xx answers and never reach the upstream', () => {
  let stack: UpstreamStack;

  beforeAll(async () => {
    stack = await startUpstreamStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('should answer every generated bad body with a 4xx error body, then serve a normal request', async () => {
    const next = random(20261129);
    const cases = [
      ...wrongTypeCases(),
      ...malformedCases(next, 120),
      ...deepCases(next, 40),
      ...encodingCases(),
      ...hugeArrayCases(next),
    ];
    expect(cases.length).toBeGreaterThan(400);
    const statuses = new Map<number, number>();
    for (const testCase of cases) {
      const response = await fetch(`${stack.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...testCase.headers },
        body: testCase.body,
      });
      const text = await response.text();
      const outcome = { case: testCase.name, status: response.status, shape: errorShape(text) };
      expect(outcome).toEqual({ case: testCase.name, status: expect.any(Number) as number, shape: 'ok' });
      if (response.status < 400 || response.status > 499) {
        throw new Error(`${testCase.name}: status ${response.status} ${text.slice(0, 300)}`);
      }
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
    expect(stack.upstream.completions).toHaveLength(0);
    // Mostly 400s; 413 and 415 for the encodings the parser refuses outright.
    expect(statuses.get(400)).toBeGreaterThan(cases.length * 0.9);

    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
    stack.upstream.responder = () => ({ content: 'still here' });
    const normal = await postJson(`${stack.url}/v1/chat/completions`, { messages: [user] });
    expect(normal.status).toBe(200);
    expect(await normal.json()).toMatchObject({ choices: [{ message: { content: 'still here' } }] });
  });
});

/** 'ok' for `{"error": {message, type, param, code}}` with OpenAI's types, else what is wrong. */
function errorShape(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 100)}`;
  }
  const error = (body as { error?: Record<string, unknown> }).error;
  if (!error || Object.keys(error).sort().join() !== 'code,message,param,type') {
    return `not an error body: ${text.slice(0, 200)}`;
  }
  const nullableString = (v: unknown) => v === null || typeof v === 'string';
  const ok =
    typeof error.message === 'string' &&
    typeof error.type === 'string' &&
    nullableString(error.param) &&
    nullableString(error.code);
  return ok ? 'ok' : `bad field types: ${text.slice(0, 200)}`;
}
