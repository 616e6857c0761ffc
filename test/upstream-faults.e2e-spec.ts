import { FakeUpstream } from './utils/fake-upstream';
import { startServer, type TestServer } from './utils/test-server';
import { withEnv } from './utils/with-env';

const UPSTREAM_KEY = 'sk-proj-upstream-credential-0123456789abcdef';
const MODEL = 'camel-model';
const ask = { model: MODEL, messages: [{ role: 'user', content: 'hi' }] };

async function post(url: string, body: object): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** SSE frames of a streamed answer, comments dropped. */
async function frames(response: Response): Promise<string[]> {
  return (await response.text())
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice('data: '.length));
}

// Issue 12's upstream findings, through the service as configured from the environment (no option set but these).
describe('Faulty upstreams (e2e)', () => {
  let upstream: FakeUpstream;
  let server: TestServer;

  beforeAll(async () => {
    upstream = new FakeUpstream();
    const baseURL = await upstream.start();
    server = await withEnv(
      { OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: UPSTREAM_KEY, AGENT_MODEL: 'up', UPSTREAM_TIMEOUT_MS: '300' },
      () => startServer(),
    );
  });
  afterAll(async () => {
    await server.close();
    await upstream.stop();
  });

  it('should end a silent upstream with a 504 after UPSTREAM_TIMEOUT_MS, streamed or not', async () => {
    upstream.responder = () => ({ silentAfterHeaders: true });
    const plain = await post(server.url, ask);
    expect(plain.status).toBe(504);
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
    const streamed = await post(server.url, { ...ask, stream: true });
    expect(streamed.status).toBe(504);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
  });

  it.each([
    ['HTML', 'text/html', '<html><body>Bad gateway</body></html>'],
    ['non-JSON', 'application/json', 'definitely not json'],
    ['JSON without choices', 'application/json', '{"object":"chat.completion"}'],
    ['an empty body', 'text/event-stream', ''],
    ['SSE to a JSON request', 'text/event-stream', 'data: {"choices":[]}\n\n'],
  ])('should answer %s with a 502 naming a bad upstream answer, never an empty success', async (_name, type, body) => {
    upstream.responder = () => ({ raw: { contentType: type, body } });
    for (const stream of [false, true]) {
      const response = await post(server.url, { ...ask, stream });
      const text = await response.text();
      expect(response.status).toBe(502);
      expect(JSON.parse(text)).toEqual({
        error: { message: expect.any(String), type: 'server_error', param: null, code: 'upstream_bad_response' },
      });
    }
  });

  it('should never let the upstream credential reach a client, whatever the upstream writes', async () => {
    upstream.responder = () => ({
      status: 401,
      errorBody: { error: { message: `Incorrect API key provided: Bearer ${UPSTREAM_KEY}`, code: 'invalid_api_key' } },
    });
    for (const stream of [false, true]) {
      const response = await post(server.url, { ...ask, stream });
      const text = await response.text();
      expect(response.status).toBe(502);
      expect(text).not.toContain(UPSTREAM_KEY);
      expect(text).not.toContain('sk-proj');
      expect(JSON.parse(text)).toMatchObject({
        error: { code: 'upstream_error', message: expect.stringContaining('401') },
      });
    }
  });

  it('should answer a legacy function_call from an older upstream as the call it is', async () => {
    upstream.responder = () => ({
      raw: {
        contentType: 'application/json',
        body: JSON.stringify({
          choices: [
            { index: 0, message: { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } } },
          ],
        }),
      },
    });
    const response = await post(server.url, {
      ...ask,
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    });
    expect(response.status).toBe(200);
    const completion = (await response.json()) as {
      choices: Array<{ message: { tool_calls: Array<{ function: { name: string } }> }; finish_reason: string }>;
    };
    expect(completion.choices[0].message.tool_calls[0].function.name).toBe('f');
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
  });

  it('should end a stream that breaks after it started with one error frame and no [DONE]', async () => {
    upstream.responder = () => ({ content: 'one two three four', breakAfterChunks: 2, chunkDelayMs: 20 });
    const response = await post(server.url, { ...ask, stream: true });
    expect(response.status).toBe(200);
    const data = await frames(response);
    expect(data.at(-1)).not.toBe('[DONE]');
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { type: 'server_error' } });
  });
});
