import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AbortedError, ApiError } from '../../errors';
import type { ModelRequest, ModelStreamEvent } from '../../types';
import { OpenAICompatibleModel, type OpenAICompatibleModelOptions } from '../openai-compatible.model';

type Handler = (req: IncomingMessage, res: ServerResponse, attempt: number) => void;

const request: ModelRequest = { messages: [{ role: 'user', content: 'hi' }] };
const KEY = 'sk-upstream-secret-0123456789';

const completion = (message: object) =>
  JSON.stringify({
    id: 'c',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message, finish_reason: 'stop' }],
  });

describe('OpenAICompatibleModel upstream client', () => {
  let server: Server;
  let handler: Handler;
  let attempts = 0;
  let baseURL: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      attempts++;
      req.resume();
      req.on('end', () => handler(req, res, attempts));
    });
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  beforeEach(() => {
    attempts = 0;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const model = (options: Partial<OpenAICompatibleModelOptions> = {}) =>
    new OpenAICompatibleModel({ model: 'm', baseURL, apiKey: KEY, ...options });

  async function collect(m: OpenAICompatibleModel, signal?: AbortSignal): Promise<ModelStreamEvent[]> {
    const events: ModelStreamEvent[] = [];
    for await (const event of m.stream(request, { signal })) {
      events.push(event);
    }
    return events;
  }

  it('should answer 504 when the upstream sends headers and then nothing, streamed or not', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
    const silent = model({ timeoutMs: 200 });
    await expect(silent.generate(request)).rejects.toMatchObject({ status: 504, code: 'upstream_timeout' });
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders();
    await expect(collect(silent)).rejects.toMatchObject({ status: 504, code: 'upstream_timeout' });
  });

  it('should answer 504 when the upstream never answers at all', async () => {
    handler = () => undefined;
    await expect(model({ timeoutMs: 200 }).generate(request)).rejects.toMatchObject({ status: 504 });
  });

  it('should answer 502 when the connection resets in the middle of the body', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n`);
      setTimeout(() => res.socket?.destroy(), 20);
    };
    await expect(collect(model())).rejects.toMatchObject({ status: 502, code: 'upstream_unreachable' });
  });

  it('should retry 5xx and 429 with retry-after before answering, and give up after maxRetries', async () => {
    handler = (_req, res, attempt) => {
      if (attempt === 1) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"busy"}}');
      } else if (attempt === 2) {
        res.writeHead(429, { 'retry-after-ms': '10' }).end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(completion({ content: 'third time' }));
      }
    };
    await expect(model({ maxRetries: 2 }).generate(request)).resolves.toMatchObject({ content: 'third time' });
    expect(attempts).toBe(3);

    attempts = 0;
    handler = (_req, res) => res.writeHead(500).end();
    await expect(model({ maxRetries: 1 }).generate(request)).rejects.toMatchObject({ status: 502 });
    expect(attempts).toBe(2);
  });

  it('should pass a 429 on with its retry headers, and never retry a 400', async () => {
    handler = (_req, res) => res.writeHead(429, { 'retry-after': '120' }).end('{"error":{"message":"slow down"}}');
    // A retry-after beyond what we wait for goes straight to the client.
    await expect(model({ maxRetries: 3 }).generate(request)).rejects.toMatchObject({
      status: 429,
      headers: { 'retry-after': '120' },
    });
    expect(attempts).toBe(1);
    attempts = 0;
    handler = (_req, res) =>
      res.writeHead(400).end('{"error":{"message":"context too long","param":"messages","code":"context_length"}}');
    await expect(model({ maxRetries: 3 }).generate(request)).rejects.toMatchObject({
      status: 400,
      message: 'context too long',
      param: 'messages',
      code: 'context_length',
    });
    expect(attempts).toBe(1);
  });

  it('should never pass on the credential an upstream echoes, whatever the status', async () => {
    handler = (_req, res) =>
      res.writeHead(401).end(JSON.stringify({ error: { message: `Incorrect API key provided: Bearer ${KEY}` } }));
    const failure = model().generate(request);
    await expect(failure).rejects.toMatchObject({ status: 502, code: 'upstream_error' });
    await expect(failure).rejects.not.toThrow(KEY);
    handler = (_req, res) => res.writeHead(400).end(JSON.stringify({ error: { message: `bad key ${KEY} here` } }));
    const rejected = model().generate(request);
    await expect(rejected).rejects.toMatchObject({ status: 400 });
    await expect(rejected).rejects.not.toThrow(KEY);
  });

  it.each([
    ['HTML', 'text/html', '<html>oops</html>'],
    ['non-JSON', 'application/json', 'not json'],
    ['JSON without choices', 'application/json', '{"id":"x"}'],
    ['an empty body', 'application/json', ''],
    ['SSE to a JSON request', 'text/event-stream', 'data: {}\n\n'],
  ])('should answer 502 upstream_bad_response for %s to a non-streamed request', async (_name, type, body) => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': type }).end(body);
    await expect(model().generate(request)).rejects.toMatchObject({ status: 502, code: 'upstream_bad_response' });
  });

  it.each([
    ['HTML', 'text/html', '<html>oops</html>'],
    ['an empty stream', 'text/event-stream', ''],
    ['a broken event', 'text/event-stream', 'data: {nope\n\n'],
    ['non-JSON', 'application/json', 'nope'],
  ])('should answer 502 upstream_bad_response for %s to a streamed request', async (_name, type, body) => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': type }).end(body);
    await expect(collect(model())).rejects.toMatchObject({ status: 502, code: 'upstream_bad_response' });
  });

  it('should read a legacy function_call as the call, streamed or not', async () => {
    handler = (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(completion({ content: null, function_call: { name: 'get_time', arguments: '{"tz":"UTC"}' } }));
    const result = await model().generate(request);
    expect(result.toolCalls).toEqual([{ id: expect.any(String), name: 'get_time', arguments: '{"tz":"UTC"}' }]);
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        'data: {"choices":[{"index":0,"delta":{"function_call":{"name":"get_time","arguments":""}}}]}\n\n' +
          'data: {"choices":[{"index":0,"delta":{"function_call":{"arguments":"{}"}},"finish_reason":"function_call"}]}\n\n' +
          'data: [DONE]\n\n',
      );
    };
    const events = await collect(model());
    expect(events.filter((e) => e.type === 'tool-call')).toEqual([
      { type: 'tool-call', index: 0, id: undefined, name: 'get_time', arguments: '' },
      { type: 'tool-call', index: 0, id: undefined, name: undefined, arguments: '{}' },
    ]);
  });

  it("should pass on the answer's id and model when the upstream gives them, and do without them", async () => {
    handler = (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(completion({ content: 'ok' }));
    expect(await model().generate(request)).toMatchObject({ content: 'ok', responseId: 'c', responseModel: 'm' });
    handler = (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: 7, choices: [{ message: { content: 'ok' } }] }));
    const bare = await model().generate(request);
    expect(bare.content).toBe('ok');
    expect(bare.responseId).toBeUndefined();
    expect(bare.responseModel).toBeUndefined();
    // Streamed: from the first chunk that carries them.
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n' +
          'data: {"id":"c2","model":"m2","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
          'data: {"id":"c3","model":"m3","choices":[]}\n\n' +
          'data: [DONE]\n\n',
      );
    };
    expect((await collect(model())).at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: undefined,
      responseId: 'c2',
      responseModel: 'm2',
    });
  });

  it('should close the upstream connection when the caller aborts, streamed or not', async () => {
    let closed!: Promise<void>;
    handler = (req, res) => {
      closed = new Promise((resolve) => res.on('close', () => resolve()));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n`);
    };
    const controller = new AbortController();
    const streamed = collect(model(), controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort();
    await expect(streamed).rejects.toBeInstanceOf(AbortedError);
    await closed;

    handler = (req, res) => {
      closed = new Promise((resolve) => res.on('close', () => resolve()));
    };
    const plain = new AbortController();
    const waiting = model().generate(request, { signal: plain.signal });
    await new Promise((resolve) => setTimeout(resolve, 30));
    plain.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    await closed;
  });

  it("should leave no listener on the caller's signal after many calls", async () => {
    handler = (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(completion({ content: 'ok' }));
    const signal = new AbortController().signal;
    const m = model();
    for (let i = 0; i < 50; i++) {
      await m.generate(request, { signal });
      await collect(m, signal).catch(() => undefined);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('should send the key as a bearer token and the configured headers', async () => {
    let seen: IncomingMessage['headers'] = {};
    handler = (req, res) => {
      seen = req.headers;
      res.writeHead(200, { 'content-type': 'application/json' }).end(completion({ content: 'ok' }));
    };
    await model({ headers: { 'x-team': 'blue' } }).generate(request);
    expect(seen.authorization).toBe(`Bearer ${KEY}`);
    expect(seen['x-team']).toBe('blue');
  });

  it('should reach an unreachable upstream as a 502 without a stack of its internals', async () => {
    const unreachable = new OpenAICompatibleModel({ model: 'm', baseURL: 'http://127.0.0.1:9/v1', apiKey: KEY });
    const failure = unreachable.generate(request);
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ status: 502, code: 'upstream_unreachable' });
  });
});
