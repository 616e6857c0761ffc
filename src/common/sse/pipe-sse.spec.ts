import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'express';
import { Observable, of, throwError, concat } from 'rxjs';
import { ApiError } from '../../core/errors';
import { pipeSse } from './pipe-sse';

/** Serves one Observable through pipeSse on a real socket, with just enough of Express's Response for errors. */
async function serve(
  events$: () => Observable<unknown>,
): Promise<{ server: Server; url: string; done: Promise<void>[]; writes: unknown[] }> {
  const done: Promise<void>[] = [];
  const writes: unknown[] = [];
  const server = createServer((req, res) => {
    const write = res.write.bind(res) as (chunk: unknown) => boolean;
    res.write = ((chunk: unknown) => {
      writes.push(chunk);
      return write(chunk);
    }) as typeof res.write;
    const response = Object.assign(res, {
      status(code: number) {
        res.statusCode = code;
        return response;
      },
      set(headers: Record<string, string>) {
        for (const [k, v] of Object.entries(headers)) {
          res.setHeader(k, v);
        }
        return response;
      },
      json(body: unknown) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body));
        return response;
      },
    }) as unknown as Response;
    done.push(pipeSse(response, events$()));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, done, writes };
}

describe(pipeSse.name, () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('should frame each event as one data line, end with [DONE], and set SSE headers', async () => {
    const s = await serve(() => of({ a: 1 }, { b: 'two\nlines' }));
    server = s.server;
    const response = await fetch(s.url);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(await response.text()).toBe('data: {"a":1}\n\ndata: {"b":"two\\nlines"}\n\ndata: [DONE]\n\n');
  });

  it('should send the first event at once and the rest of a burst in one write, in order', async () => {
    const events = Array.from({ length: 32 }, (_, i) => ({ i }));
    const s = await serve(() =>
      concat(of(...events), new Observable((subscriber) => void setImmediate(() => subscriber.complete()))),
    );
    server = s.server;
    const text = await (await fetch(s.url)).text();
    expect(text).toBe(events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('') + 'data: [DONE]\n\n');
    // The first frame; the 31 others made in the same turn; [DONE] in a later turn.
    expect(s.writes).toEqual([
      'data: {"i":0}\n\n',
      expect.stringMatching(/^data: \{"i":1\}.*"i":31\}\n\n$/s),
      'data: [DONE]\n\n',
    ]);
  });

  it('should answer an error before the first event as a plain HTTP error', async () => {
    const s = await serve(() => throwError(() => ApiError.invalidRequest('nope', 'x')));
    server = s.server;
    const response = await fetch(s.url);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { message: 'nope', type: 'invalid_request_error', param: 'x', code: null },
    });
  });

  it('should write one error frame and no [DONE] for an error after the stream started', async () => {
    const s = await serve(() =>
      concat(
        of({ a: 1 }),
        throwError(() => new Error('hidden')),
      ),
    );
    server = s.server;
    const response = await fetch(s.url);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toBe(
      'data: {"a":1}\n\n' +
        'data: {"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":"internal_error"}}\n\n',
    );
  });

  it('should unsubscribe (tear the work down) when the client disconnects', async () => {
    let tornDown = false;
    const s = await serve(
      () =>
        new Observable((subscriber) => {
          subscriber.next({ first: true });
          const timer = setInterval(() => subscriber.next({ tick: true }), 5);
          return () => {
            clearInterval(timer);
            tornDown = true;
          };
        }),
    );
    server = s.server;
    await new Promise<void>((resolve) => {
      const req = httpRequest(s.url, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.end();
    });
    await Promise.all(s.done);
    expect(tornDown).toBe(true);
  });
});
