import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { Agent } from 'undici';
import { createKeepAliveFetch } from './keep-alive-fetch';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('createKeepAliveFetch', () => {
  let server: Server;
  let origin: string;
  let handler: Handler;
  const agent = new Agent();
  const keepAliveFetch = createKeepAliveFetch(agent);

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (part: string) => (body += part));
      req.on('end', () => handler(req, body, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await agent.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends method, headers and body, and returns status, headers and a JSON body', async () => {
    handler = (req, body, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req_1' });
      res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization, body }));
    };
    const response = await keepAliveFetch(`${origin}/v1/x`, {
      method: 'POST',
      headers: new Headers({ authorization: 'Bearer k', 'content-type': 'application/json' }),
      body: '{"a":1}',
    });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${origin}/v1/x`);
    expect(response.headers.get('x-request-id')).toBe('req_1');
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(response.headers).toBeInstanceOf(Headers);
    expect(response.headers.get('X-Request-ID')).toBe('req_1');
    expect(response.headers.has('content-type')).toBe(true);
    expect(response.headers.get('x-missing')).toBeNull();
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const names = [...response.headers].map(([name]) => name);
    expect(names).toEqual([...names].sort());
    expect(Object.fromEntries(response.headers.entries())).toMatchObject({
      'content-type': 'application/json',
      'x-request-id': 'req_1',
    });
    expect(() => response.headers.set('x-a', '1')).toThrow(TypeError);
    expect(await response.json()).toEqual({ method: 'POST', auth: 'Bearer k', body: '{"a":1}' });
    expect(response.bodyUsed).toBe(true);
  });

  it('gives a body that is async-iterable as it arrives', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      setTimeout(() => res.end('data: 2\n\n'), 20);
    };
    const response = await keepAliveFetch(`${origin}/s`, { method: 'POST', body: '{}' });
    const parts: string[] = [];
    for await (const part of response.body as unknown as AsyncIterable<Buffer>) {
      parts.push(part.toString());
    }
    expect(parts.join('')).toBe('data: 1\n\ndata: 2\n\n');
  });

  it('rejects like fetch: TypeError("fetch failed") with the cause when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const failure = keepAliveFetch(`http://127.0.0.1:${port}/`, { method: 'GET' });
    await expect(failure).rejects.toThrow(TypeError);
    await expect(failure).rejects.toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNREFUSED' } });
  });

  it('rejects with the abort reason when the signal aborts before the answer', async () => {
    handler = () => undefined; // never answers
    const controller = new AbortController();
    const pending = keepAliveFetch(`${origin}/hang`, { method: 'POST', body: '{}', signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('serves the openai SDK: results, status errors with their headers, timeouts', async () => {
    const client = new OpenAI({ baseURL: `${origin}/v1`, apiKey: 'k', maxRetries: 0, fetch: keepAliveFetch });
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model', created: 1, owned_by: 'x' }] }));
    };
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['m']);

    handler = (_req, _body, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit_error', param: null, code: null } }));
    };
    const limited = await client.models.list().catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('3');

    handler = () => undefined;
    const slow = await client.models.list({ timeout: 50 }).catch((error: unknown) => error);
    expect(slow).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });
});
