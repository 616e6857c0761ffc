import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { FakeUpstream } from './utils/fake-upstream';
import { spawnService, type SpawnedService } from './utils/spawn-service';
import { postJson, readSseData } from './utils/sse';
import { startUpstreamStack, type UpstreamStack } from './utils/test-server';

/** One finding of issue 12 per block: each of these failed (500, slipped through, or blocked) before its fix. */

const user = { role: 'user', content: 'hi' };
const tool = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object' } } });

function expectError(body: unknown, status: number, fields: Record<string, unknown>): void {
  const error = (body as { error?: Record<string, unknown> }).error;
  expect({ status, keys: Object.keys(error ?? {}).sort() }).toEqual({
    status,
    keys: ['code', 'message', 'param', 'type'],
  });
  expect(error).toMatchObject(fields);
}

describe('Hardening: request bodies (issue 12)', () => {
  let stack: UpstreamStack;

  beforeAll(async () => {
    stack = await startUpstreamStack();
  });
  afterAll(async () => {
    await stack.close();
  });
  afterEach(() => {
    // Nothing invalid ever reaches the upstream.
    expect(stack.upstream.completions).toHaveLength(0);
  });

  const send = async (body: Buffer | string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, body: await response.json() };
  };
  const post = (body: unknown) => send(JSON.stringify(body));
  /** The last request the upstream got, forgetting all of them (the afterEach check is for invalid bodies). */
  const takeCompletion = () => {
    const last = stack.upstream.completions.at(-1);
    stack.upstream.requests.length = 0;
    return last;
  };

  describe('1. bounds, checked before any work', () => {
    it.each([
      ['2,049 messages', { messages: Array(2049).fill(user) }, 'messages'],
      ['129 tools', { messages: [user], tools: Array.from({ length: 129 }, (_, i) => tool(`f${i}`)) }, 'tools'],
      [
        '129 legacy functions',
        { messages: [user], functions: Array.from({ length: 129 }, (_, i) => ({ name: `f${i}` })) },
        'functions',
      ],
      [
        '1,025 logit_bias entries',
        { messages: [user], logit_bias: Object.fromEntries(Array.from({ length: 1025 }, (_, i) => [String(i), 1])) },
        'logit_bias',
      ],
      [
        '1,025 content parts',
        { messages: [{ role: 'user', content: Array(1025).fill({ type: 'text', text: 'a' }) }] },
        'messages.0.content',
      ],
      [
        '129 tool calls in one message',
        {
          messages: [
            {
              role: 'assistant',
              content: null,
              tool_calls: Array.from({ length: 129 }, (_, i) => ({
                id: `c${i}`,
                type: 'function',
                function: { name: 'f', arguments: '{}' },
              })),
            },
          ],
        },
        'messages.0.tool_calls',
      ],
    ])('should answer %s with 400 naming the field', async (_name, body, param) => {
      const res = await post(body);
      expectError(res.body, res.status, { type: 'invalid_request_error', param });
      expect(res.status).toBe(400);
    });

    it('should refuse 100,000 logit_bias keys and 300,000 messages on their size, before parsing them', async () => {
      const bias = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [String(i), 1]));
      const many = await post({ messages: [user], logit_bias: bias });
      expectError(many.body, many.status, { param: null, code: 'json_too_many_items' });
      const messages = await post({ messages: [...Array(300_000).fill(user), { role: 'bogus' }] });
      expectError(messages.body, messages.status, { param: null, code: 'json_too_many_items' });
      expect([many.status, messages.status]).toEqual([400, 400]);
    });
  });

  describe('2. deep nesting', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

    it('should answer 1,300 levels under an unknown field with 400, not a stack overflow', async () => {
      const res = await send(`{"messages":[{"role":"user","content":"hi"}],"x":${nested(1300)}}`);
      expectError(res.body, res.status, { type: 'invalid_request_error', param: null, code: 'json_too_deep' });
      expect(res.status).toBe(400);
    });

    it('should accept nesting within the bound (an unknown field 60 levels deep is dropped)', async () => {
      stack.upstream.responder = () => ({ content: 'ok' });
      const res = await send(`{"messages":[{"role":"user","content":"hi"}],"x":${nested(60)}}`);
      expect(res.status).toBe(200);
      expect(takeCompletion()?.body).not.toHaveProperty('x');
    });
  });

  describe('1b. a large body, parsed in slices', () => {
    it('should answer malformed JSON and a bare value with 400 invalid_json, small bodies too', async () => {
      for (const body of ['{"messages":', '"text"', '{"a" 1}']) {
        const res = await send(body);
        expectError(res.body, res.status, { type: 'invalid_request_error', param: null, code: 'invalid_json' });
        expect((res.body as { error: { message: string } }).error.message).toMatch(/^We could not parse the JSON body/);
      }
    });

    it('should pass a 7 MB conversation to the upstream exactly as sent, and refuse a broken one as JSON.parse does', async () => {
      stack.upstream.responder = () => ({ content: 'ok' });
      const messages = Array.from({ length: 1_600 }, (_, i) => ({
        role: i % 2 ? 'assistant' : 'user',
        content: `${i} "quoted", [bracketed] {braced} ü 日本 ${'lorem ipsum '.repeat(400)}`,
      }));
      const body = JSON.stringify({ model: 'camel-model', messages, temperature: 0.5 }, null, 1);
      expect(body.length).toBeGreaterThan(7_000_000);
      const res = await send(body);
      expect(res.status).toBe(200);
      const sent = takeCompletion()?.body;
      expect(sent?.messages?.slice(-messages.length)).toEqual(messages);
      expect(sent).toMatchObject({ temperature: 0.5 });

      const broken = body.replace('"role": "assistant"', '"role" "assistant"');
      const refused = await send(broken);
      expect(refused.status).toBe(400);
      let reason = '';
      try {
        JSON.parse(broken);
      } catch (error) {
        reason = (error as Error).message;
      }
      expectError(refused.body, refused.status, { code: 'invalid_json' });
      expect((refused.body as { error: { message: string } }).error.message).toContain(reason);
    });
  });

  describe('3. a body that does not decode as its Content-Encoding says', () => {
    const json = JSON.stringify({ messages: [user] });

    it.each(['gzip', 'deflate', 'br'])('should answer %s declared on plain JSON with 400', async (encoding) => {
      const res = await send(json, { 'content-encoding': encoding });
      expect(res.status).toBe(400);
      expectError(res.body, res.status, { type: 'invalid_request_error', code: 'invalid_content_encoding' });
    });

    it('should answer a truncated gzip body with 400', async () => {
      const res = await send(gzipSync(json).subarray(0, 20), { 'content-encoding': 'gzip' });
      expect(res.status).toBe(400);
      expectError(res.body, res.status, { code: 'invalid_content_encoding' });
    });

    it('should still read a well-formed gzip body', async () => {
      const res = await send(gzipSync(json), { 'content-encoding': 'gzip' });
      expect(res.status).toBe(200);
      expect(takeCompletion()?.body.messages?.at(-1)).toMatchObject(user);
    });
  });

  describe('4. shapes that used to throw TypeErrors', () => {
    it.each([
      [
        { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function' }] }] },
        'messages.0.tool_calls.0.function',
      ],
      [{ messages: [user], tools: [{ type: 'function' }] }, 'tools.0.function'],
    ])('should answer %j with 400 at %s', async (body, param) => {
      const res = await post(body);
      expect(res.status).toBe(400);
      expectError(res.body, res.status, { type: 'invalid_request_error', param });
    });
  });

  describe('8. invalid values of known fields', () => {
    const huge = 'x'.repeat(1024 * 1024);
    it.each([
      [{ stream_options: [] }, 'stream_options'],
      [{ response_format: [] }, 'response_format'],
      [{ functions: [] }, 'functions'],
      [{ logit_bias: { '50256': 'x' } }, 'logit_bias'],
      [{ logit_bias: { token: 1 } }, 'logit_bias'],
      [{ logprobs: 'yes' }, 'logprobs'],
      [{ top_logprobs: -1 }, 'top_logprobs'],
      [{ top_logprobs: 21 }, 'top_logprobs'],
      [{ top_logprobs: 'x' }, 'top_logprobs'],
      [{ top_logprobs: 1.5 }, 'top_logprobs'],
      [{ service_tier: 5 }, 'service_tier'],
      [{ reasoning_effort: [] }, 'reasoning_effort'],
      [{ store: 'yes' }, 'store'],
      [{ modalities: 'text' }, 'modalities'],
      [{ verbosity: 1 }, 'verbosity'],
      [{ prediction: 'x' }, 'prediction'],
      [{ audio: 'alloy' }, 'audio'],
      [{ web_search_options: [] }, 'web_search_options'],
      [{ messages: [user, { role: 'function', content: 'r' }] }, 'messages.1.name'],
      [{ messages: [{ role: 'user', content: [{ type: 'video', video: {} }] }] }, 'messages.0.content'],
      [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }, 'messages.0.content'],
      [
        { messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] },
        'messages.0.content',
      ],
      [{ tools: [{ type: 'function', function: [] }] }, 'tools.0.function'],
      [
        { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'nonsense' } } }] },
        'tools.0.function.parameters',
      ],
      [{ tools: [tool('f'), tool('f')] }, 'tools'],
      [{ tools: [tool('f')], functions: [{ name: 'f' }] }, 'tools'],
    ])('should reject %j with 400 naming %s', async (fields, param) => {
      const res = await post({ messages: [user], ...fields });
      expect(res.status).toBe(400);
      expectError(res.body, res.status, { type: 'invalid_request_error', param });
    });

    it('should reject a content part of a 1 MB unknown type without echoing it', async () => {
      const res = await post({ messages: [{ role: 'user', content: [{ type: huge, text: 'a' }] }] });
      expect(res.status).toBe(400);
      expectError(res.body, res.status, { param: 'messages.0.content' });
      expect(JSON.stringify(res.body).length).toBeLessThan(1000);
    });

    it('should accept the same fields with valid values, and unknown fields', async () => {
      stack.upstream.responder = () => ({ content: 'ok' });
      const res = await post({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'hi' },
              { type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } },
            ],
          },
          { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } },
          { role: 'function', name: 'f', content: 'r' },
        ],
        logit_bias: { '50256': -100 },
        logprobs: false,
        top_logprobs: 0,
        service_tier: 'auto',
        reasoning_effort: 'low',
        store: false,
        modalities: ['text'],
        verbosity: 'low',
        prediction: { type: 'content', content: 'x' },
        audio: { voice: 'alloy', format: 'wav' },
        web_search_options: { search_context_size: 'low', user_location: null },
        functions: [
          { name: 'f', parameters: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' } },
        ],
        some_future_field: { nested: [1, 2, 3] },
      });
      expect(res.status).toBe(200);
      expect(takeCompletion()?.body).not.toHaveProperty('some_future_field');
    });

    it('should serve a request without `model` with the default agent (README "Talk to it")', async () => {
      stack.upstream.responder = () => ({ content: 'default agent here' });
      const res = await post({ messages: [user] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        model: 'camel-model',
        choices: [{ message: { content: 'default agent here' } }],
      });
      expect(takeCompletion()?.body.model).toBe('upstream-model');
    });
  });

  describe('10. wire details', () => {
    it('should leave system_fingerprint out of completions and chunks', async () => {
      stack.upstream.responder = () => ({ content: 'a b' });
      const completion = await post({ messages: [user] });
      expect(completion.body).not.toHaveProperty('system_fingerprint');
      const streamed = await postJson(`${stack.url}/v1/chat/completions`, { messages: [user], stream: true });
      const chunks = (await readSseData(streamed)).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as object);
      expect(chunks.length).toBeGreaterThan(2);
      for (const chunk of chunks) {
        expect(chunk).not.toHaveProperty('system_fingerprint');
      }
      stack.upstream.requests.length = 0;
    });
  });
});

describe('Hardening: the built service with LOG_FORMAT=json (issue 12, findings 9 and 10)', () => {
  let upstream: FakeUpstream;
  let service: SpawnedService;

  beforeAll(async () => {
    upstream = new FakeUpstream();
    const baseURL = await upstream.start();
    service = await spawnService({
      OPENAI_BASE_URL: baseURL,
      OPENAI_API_KEY: 'upstream-key',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'debug',
      // A preload that emits a Node warning on SIGUSR2, as a deprecation or a listener leak would.
      NODE_OPTIONS: `--require ${join(__dirname, 'fixtures', 'warn-on-sigusr2.cjs')}`,
    });
  });
  afterAll(async () => {
    await service.stop();
    await upstream.stop();
  });

  it('should log a client that aborts a non-streamed request as one line below error, and only JSON lines', async () => {
    upstream.responder = () => ({ hang: true });
    const controller = new AbortController();
    const pending = postJson(`${service.url}/v1/chat/completions`, { messages: [user] }, { signal: controller.signal });
    while (upstream.completions.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(await upstream.completions[0].closedEarly).toBe(true);
    // A later request is served, and the aborted one has been logged by then.
    upstream.responder = () => ({ content: 'ok' });
    expect((await postJson(`${service.url}/v1/chat/completions`, { messages: [user] })).status).toBe(200);

    service.child.kill('SIGUSR2');
    await waitFor(() => service.output().includes('fixture warning'));
    await service.stop();

    const lines = service
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '');
    const records = lines.map((line) => {
      try {
        return JSON.parse(line) as { level: number; msg: string };
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
    const messages = records.map((r) => r.msg);
    expect(messages).toEqual(expect.arrayContaining([expect.stringContaining('listening on')]));
    expect(messages).toEqual(expect.arrayContaining([expect.stringContaining('SIGTERM received')]));
    expect(records.find((r) => r.msg.includes('fixture warning'))?.level).toBe(40);
    const aborted = records.filter((r) => r.msg.includes('Client went away'));
    expect(aborted).toHaveLength(1);
    expect(aborted[0].level).toBeLessThan(50);
    expect(records.filter((r) => r.level >= 50)).toEqual([]);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
