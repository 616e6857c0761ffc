import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { ScriptedModel, type ScriptedModelOptions } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import type { ModelBackend } from '../src/core/model-backend';
import { RequestTracker } from '../src/request-context/request-tracker.service';
import { gracefulShutdown } from '../src/server/graceful-shutdown';
import { readSseData } from './utils/sse';
import { startServer, type TestServer } from './utils/test-server';
import { withEnv } from './utils/with-env';

/** Starts the real service with `env` set while it reads its configuration (then restored). */
async function startWith(env: Record<string, string>, agents: ChatAgent | Record<string, ChatAgent> = scripted()) {
  return withEnv(env, () => startServer({ agents }));
}

function scripted(options: ScriptedModelOptions = {}): ChatAgent {
  return new ChatAgent({ model: new ScriptedModel(options) });
}

function chat(server: TestServer, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'camel-model', messages: [{ role: 'user', content: 'hello there' }], ...body }),
  });
}

/** The value of one sample of the Prometheus text (0 when absent). */
async function metric(server: TestServer, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match && match[1] === name && wanted.every((label) => (match[2] ?? '').split(',').includes(label))) {
      sum += Number(match[3]);
    }
  }
  return sum;
}

const openAiError = (type: string, code: string | null) => ({
  error: { message: expect.any(String), type, param: null, code },
});

describe('Production settings', () => {
  describe('API keys', () => {
    let server: TestServer;
    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'keys-'));
      writeFileSync(join(dir, 'keys'), '# operators\nkey-from-file\n\n');
      server = await startWith({ API_KEYS: 'key-one, key-two', API_KEYS_FILE: join(dir, 'keys') });
    });
    afterAll(() => server.close());

    it('should answer a missing key with 401 and the OpenAI error body', async () => {
      const res = await chat(server);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(openAiError('invalid_request_error', 'invalid_api_key'));
    });

    it('should answer a wrong key with 401 and the OpenAI error body, without echoing the key', async () => {
      const res = await chat(server, {}, { authorization: 'Bearer key-onf' });
      expect(res.status).toBe(401);
      const body = await res.json();
      expect(body).toEqual(openAiError('invalid_request_error', 'invalid_api_key'));
      expect(JSON.stringify(body)).not.toContain('key-onf');
    });

    it('should show the 401 message through the official client', async () => {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-a-key', maxRetries: 0 });
      await expect(client.models.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    });

    it('should accept every configured key, from API_KEYS and from API_KEYS_FILE', async () => {
      for (const apiKey of ['key-one', 'key-two', 'key-from-file']) {
        const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
        const completion = await client.chat.completions.create({
          model: 'camel-model',
          messages: [{ role: 'user', content: 'hi' }],
        });
        expect(completion.choices[0].message.content).toBe('You said: hi');
      }
    });

    it('should leave health, readiness, metrics and docs open', async () => {
      for (const path of ['/health', '/ready', '/metrics', '/docs']) {
        expect((await fetch(`${server.url}${path}`)).status).toBe(200);
      }
    });
  });

  describe('rate limits', () => {
    it('should refuse requests over RATE_LIMIT_RPM with 429, retry-after headers and the OpenAI body', async () => {
      const server = await startWith({ API_KEYS: 'alpha,beta', RATE_LIMIT_RPM: '2' });
      try {
        const alpha = { authorization: 'Bearer alpha' };
        const first = await chat(server, {}, alpha);
        expect(first.status).toBe(200);
        expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
        expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
        expect((await chat(server, {}, alpha)).status).toBe(200);
        const limited = await chat(server, {}, alpha);
        expect(limited.status).toBe(429);
        expect(await limited.json()).toEqual(openAiError('requests', 'rate_limit_exceeded'));
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number(limited.headers.get('retry-after-ms'))).toBeGreaterThan(0);
        expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
        // Limits are per key: another key still gets through.
        expect((await chat(server, {}, { authorization: 'Bearer beta' })).status).toBe(200);
        expect(await metric(server, 'chat_agent_rejected_requests_total', { reason: 'rate_limit_requests' })).toBe(1);
      } finally {
        await server.close();
      }
    });

    it('should limit an open API per client address, read from X-Forwarded-For only with TRUST_PROXY', async () => {
      const direct = await startWith({ RATE_LIMIT_RPM: '1' });
      try {
        expect((await chat(direct, {}, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
        // Without TRUST_PROXY the header is the client's word, not its address: same budget.
        expect((await chat(direct, {}, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(429);
      } finally {
        await direct.close();
      }
      const behindProxy = await startWith({ RATE_LIMIT_RPM: '1', TRUST_PROXY: 'loopback' });
      try {
        expect((await chat(behindProxy, {}, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
        expect((await chat(behindProxy, {}, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
        expect((await chat(behindProxy, {}, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(429);
      } finally {
        await behindProxy.close();
      }
    });

    it('should refuse requests once RATE_LIMIT_TPM tokens were used, counting streamed usage too', async () => {
      const server = await startWith({ RATE_LIMIT_TPM: '20' });
      try {
        const long = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen';
        const streamed = await chat(server, { stream: true, messages: [{ role: 'user', content: long }] });
        expect(streamed.status).toBe(200);
        expect((await readSseData(streamed)).at(-1)).toBe('[DONE]');
        const limited = await chat(server);
        expect(limited.status).toBe(429);
        expect(await limited.json()).toEqual(openAiError('tokens', 'rate_limit_exceeded'));
        expect(Number(limited.headers.get('retry-after-ms'))).toBeGreaterThan(0);
        expect(limited.headers.get('x-ratelimit-limit-tokens')).toBe('20');
      } finally {
        await server.close();
      }
    });
  });

  describe('CORS and security headers', () => {
    it('should answer a preflight from an allowed origin and expose the request id', async () => {
      const server = await startWith({ CORS_ORIGINS: 'https://app.example' });
      try {
        const preflight = await fetch(`${server.url}/v1/chat/completions`, {
          method: 'OPTIONS',
          headers: {
            origin: 'https://app.example',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization,content-type',
          },
        });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
        expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
        const res = await chat(server, {}, { origin: 'https://app.example' });
        expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
        expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
        const other = await chat(server, {}, { origin: 'https://evil.example' });
        expect(other.headers.get('access-control-allow-origin')).toBeNull();
      } finally {
        await server.close();
      }
    });

    it('should send no CORS headers by default, and security headers without breaking SSE or /docs', async () => {
      const server = await startWith({});
      try {
        const preflight = await fetch(`${server.url}/v1/chat/completions`, {
          method: 'OPTIONS',
          headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
        });
        expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
        const stream = await chat(server, { stream: true });
        expect(stream.headers.get('content-type')).toContain('text/event-stream');
        expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
        expect((await readSseData(stream)).at(-1)).toBe('[DONE]');
        const docs = await fetch(`${server.url}/docs`);
        expect(docs.status).toBe(200);
        const html = await docs.text();
        // Every script the Swagger UI page loads comes from /docs itself, which the CSP allows ('self').
        expect(docs.headers.get('content-security-policy')).toContain("script-src 'self'");
        // Served over plain http behind TLS-terminating proxies: no forced upgrade of the page's own assets.
        expect(docs.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
        for (const [, src] of html.matchAll(/<script src="([^"]+)"/g)) {
          expect(src.startsWith('http')).toBe(false);
          const asset = await fetch(new URL(src, `${server.url}/docs`));
          // Read to the end: an unread body keeps its connection busy, and closing the server waits for it.
          await asset.arrayBuffer();
          expect({ src, status: asset.status }).toEqual({ src, status: 200 });
        }
        expect(html).not.toMatch(/<script>[^<]/);
      } finally {
        await server.close();
      }
    });
  });

  describe('request ids', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startWith({ API_KEYS: 'key-one', BODY_LIMIT: '1kb' });
    });
    afterAll(() => server.close());
    const auth = { authorization: 'Bearer key-one' };

    it("should return the client's x-request-id, and make one when there is none", async () => {
      const res = await chat(server, {}, { ...auth, 'x-request-id': 'client-id-123' });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('client-id-123');
      const made = await chat(server, {}, auth);
      expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const odd = await chat(server, {}, { ...auth, 'x-request-id': 'x'.repeat(300) });
      expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('should return it on errors (401, 413) and on streams, and the official client should read it', async () => {
      expect((await chat(server, {}, { 'x-request-id': 'on-401' })).headers.get('x-request-id')).toBe('on-401');
      const tooLarge = await chat(
        server,
        { messages: [{ role: 'user', content: 'x'.repeat(4096) }] },
        { ...auth, 'x-request-id': 'on-413' },
      );
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers.get('x-request-id')).toBe('on-413');
      expect(await tooLarge.json()).toEqual(openAiError('invalid_request_error', 'request_too_large'));
      const stream = await chat(server, { stream: true }, { ...auth, 'x-request-id': 'on-stream' });
      expect(stream.headers.get('x-request-id')).toBe('on-stream');
      await stream.text();
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-one', maxRetries: 0 });
      const { response } = await client.chat.completions
        .create({ model: 'camel-model', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('metrics', () => {
    it('should count requests, tokens, first tokens, tool calls, upstream errors and open streams', async () => {
      let releaseStream!: () => void;
      const held = new Promise<void>((resolve) => (releaseStream = resolve));
      const agents = {
        'camel-model': scripted(),
        'tool-model': scripted({
          replies: [{ content: '', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }],
        }),
        'broken-model': scripted({ replies: [{ error: new Error('backend exploded') }] }),
        'slow-model': scripted({
          replies: async () => {
            await held;
            return 'done at last';
          },
        }),
      };
      const server = await startWith({}, agents);
      try {
        const requestsOk = {
          protocol: 'chat_completions',
          route: '/v1/chat/completions',
          status: '200',
          model: 'camel-model',
        };
        expect(await metric(server, 'chat_agent_http_requests_total', requestsOk)).toBe(0);
        const plain = await chat(server);
        const { usage } = (await plain.json()) as OpenAI.ChatCompletion;
        const streamed = await chat(server, { stream: true });
        await streamed.text();
        expect(await metric(server, 'chat_agent_http_requests_total', requestsOk)).toBe(2);
        // The same question twice, once streamed: the same tokens each time.
        expect(await metric(server, 'chat_agent_tokens_total', { model: 'camel-model', direction: 'input' })).toBe(
          2 * usage!.prompt_tokens,
        );
        expect(await metric(server, 'chat_agent_tokens_total', { model: 'camel-model', direction: 'output' })).toBe(
          2 * usage!.completion_tokens,
        );
        expect(await metric(server, 'chat_agent_time_to_first_token_seconds_count', { stream: 'true' })).toBe(1);
        expect(await metric(server, 'chat_agent_http_request_duration_seconds_count', { model: 'camel-model' })).toBe(
          2,
        );

        await (await chat(server, { model: 'tool-model', tools: [weatherTool] })).text();
        expect(await metric(server, 'chat_agent_tool_calls_total', { tool: 'get_weather', executor: 'client' })).toBe(
          1,
        );
        expect((await chat(server, { model: 'broken-model' })).status).toBe(500);
        expect(await metric(server, 'chat_agent_upstream_errors_total', { model: 'broken-model' })).toBe(1);
        expect((await chat(server, { model: 'no-such-model' })).status).toBe(404);
        expect(await metric(server, 'chat_agent_http_requests_total', { status: '404', model: 'unknown' })).toBe(1);

        // A stream that is open now: one in flight, one open stream (the slow backend has not finished).
        const slow = await chat(server, { model: 'slow-model', stream: true, messages: [] });
        expect(slow.status).toBe(400); // messages must not be empty: counted, not opened
        const open = chat(server, { model: 'slow-model' });
        await waitFor(async () => (await metric(server, 'chat_agent_requests_in_flight')) === 1);
        releaseStream();
        expect((await open).status).toBe(200);
        await waitFor(async () => (await metric(server, 'chat_agent_requests_in_flight')) === 0);
        expect(await metric(server, 'chat_agent_open_streams')).toBe(0);
      } finally {
        await server.close();
      }
    });

    it('should show an open stream while it streams', async () => {
      const server = await startWith({}, scripted({ tokenDelayMs: 50 }));
      try {
        const res = await chat(server, { stream: true, messages: [{ role: 'user', content: 'a b c d e f g h' }] });
        const reader = res.body!.getReader();
        await reader.read();
        expect(await metric(server, 'chat_agent_open_streams')).toBe(1);
        expect(await metric(server, 'chat_agent_requests_in_flight')).toBe(1);
        while (!(await reader.read()).done) {
          /* drain */
        }
        await waitFor(async () => (await metric(server, 'chat_agent_open_streams')) === 0);
      } finally {
        await server.close();
      }
    });
  });

  describe('health and readiness', () => {
    it('should be live and ready when every backend is ready', async () => {
      const server = await startWith({});
      try {
        const health = await fetch(`${server.url}/health`);
        expect(await health.json()).toEqual({ status: 'ok' });
        const ready = await fetch(`${server.url}/ready`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ status: 'ok', info: { 'model:camel-model': { status: 'up' } } });
      } finally {
        await server.close();
      }
    });

    it('should not be ready while a backend is not ready, and stay live', async () => {
      let loaded = false;
      const backend: ModelBackend = Object.assign(new ScriptedModel(), {
        ready: () => (loaded ? Promise.resolve() : Promise.reject(new Error('model still loading'))),
      });
      const server = await startWith({}, { 'camel-model': new ChatAgent({ model: backend }) });
      try {
        const notReady = await fetch(`${server.url}/ready`);
        expect(notReady.status).toBe(503);
        expect(await notReady.json()).toMatchObject({
          status: 'error',
          error: { 'model:camel-model': { status: 'down', message: 'model still loading' } },
        });
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
        loaded = true;
        expect((await fetch(`${server.url}/ready`)).status).toBe(200);
      } finally {
        await server.close();
      }
    });
  });

  describe('timeouts and limits', () => {
    it('should set the keep-alive and headers timeouts from the environment', async () => {
      const server = await startWith({ KEEP_ALIVE_TIMEOUT_MS: '120000', HEADERS_TIMEOUT_MS: '121000' });
      try {
        const http = server.app.getHttpServer();
        expect([http.keepAliveTimeout, http.headersTimeout]).toEqual([120_000, 121_000]);
      } finally {
        await server.close();
      }
    });

    it('should answer 504 when the backend takes longer than REQUEST_TIMEOUT_MS, before the stream', async () => {
      const hang = () => new Promise<never>(() => undefined);
      const server = await startWith({ REQUEST_TIMEOUT_MS: '300' }, scripted({ replies: hang }));
      try {
        const res = await chat(server);
        expect(res.status).toBe(504);
        expect(await res.json()).toEqual(openAiError('server_error', 'timeout'));
        const stream = await chat(server, { stream: true });
        expect(stream.status).toBe(504);
        expect(await stream.json()).toEqual(openAiError('server_error', 'timeout'));
      } finally {
        await server.close();
      }
    });

    it('should end a stream that outlives REQUEST_TIMEOUT_MS with one error frame', async () => {
      const words = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');
      const server = await startWith({ REQUEST_TIMEOUT_MS: '500' }, scripted({ replies: [words], tokenDelayMs: 20 }));
      try {
        const res = await chat(server, { stream: true });
        expect(res.status).toBe(200);
        const frames = await readSseData(res);
        expect(frames.length).toBeGreaterThan(1);
        expect(frames).not.toContain('[DONE]');
        expect(JSON.parse(frames.at(-1)!)).toEqual(openAiError('server_error', 'timeout'));
      } finally {
        await server.close();
      }
    });

    it('should refuse requests beyond MAX_CONCURRENT_REQUESTS with a 503', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const server = await startWith(
        { MAX_CONCURRENT_REQUESTS: '1' },
        scripted({
          replies: async () => {
            await held;
            return 'finally';
          },
        }),
      );
      try {
        const first = chat(server);
        await waitFor(async () => (await metric(server, 'chat_agent_requests_in_flight')) === 1);
        const refused = await chat(server);
        expect(refused.status).toBe(503);
        expect(await refused.json()).toEqual(openAiError('server_error', 'server_overloaded'));
        expect(refused.headers.get('retry-after')).toBe('1');
        expect(await metric(server, 'chat_agent_rejected_requests_total', { reason: 'server_overloaded' })).toBe(1);
        expect(await metric(server, 'chat_agent_http_requests_total', { status: '503' })).toBe(1);
        // Probes are not API requests and are never refused.
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
        release();
        expect((await first).status).toBe(200);
        await waitFor(async () => (await metric(server, 'chat_agent_requests_in_flight')) === 0);
        expect((await chat(server)).status).toBe(200);
      } finally {
        await server.close();
      }
    });
  });

  describe('graceful shutdown', () => {
    it('should turn readiness off and refuse API requests with a 503 as soon as draining starts', async () => {
      const server = await startWith({});
      try {
        expect((await fetch(`${server.url}/ready`)).status).toBe(200);
        server.app.get(RequestTracker).beginDrain();
        const ready = await fetch(`${server.url}/ready`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ error: { server: { status: 'down', message: 'shutting down' } } });
        const refused = await chat(server);
        expect(refused.status).toBe(503);
        expect(refused.headers.get('connection')).toBe('close');
        expect(await refused.json()).toEqual(openAiError('server_error', 'server_shutting_down'));
        // Liveness is unaffected: the process is fine, it is just leaving.
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
      } finally {
        await server.close();
      }
    });

    it('should let a running stream finish, turn readiness off and refuse new requests', async () => {
      const words = Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ');
      const server = await startWith({}, scripted({ replies: [words], tokenDelayMs: 30 }));
      const res = await chat(server, { stream: true });
      const reader = res.body!.getReader();
      await reader.read();
      // A second, idle connection for the readiness probe during the drain.
      const stopped = gracefulShutdown(server.app, 30_000);
      await expect(fetch(`${server.url}/health`)).rejects.toThrow();
      let text = '';
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          break;
        }
        text += decoder.decode(value);
      }
      expect(text.trim().endsWith('data: [DONE]')).toBe(true);
      expect(text).toContain('w29');
      await stopped;
    });

    it('should end the streams still running after SHUTDOWN_DRAIN_MS with an error frame', async () => {
      const words = Array.from({ length: 500 }, (_, i) => `w${i}`).join(' ');
      const server = await startWith({}, scripted({ replies: [words], tokenDelayMs: 20 }));
      const res = await chat(server, { stream: true });
      const framesRead = readSseData(res);
      await waitFor(async () => (await metric(server, 'chat_agent_open_streams')) === 1);
      await gracefulShutdown(server.app, 200);
      const frames = await framesRead;
      expect(frames).not.toContain('[DONE]');
      expect(JSON.parse(frames.at(-1)!)).toEqual(openAiError('server_error', 'server_shutting_down'));
    });
  });
});

const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

/** Polls `check` (state observed through the API, e.g. metrics) until it holds; fails after a generous bound. */
async function waitFor(check: () => Promise<boolean>, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not reached');
}
