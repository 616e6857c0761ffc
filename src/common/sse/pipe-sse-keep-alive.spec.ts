import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'express';
import { Subject } from 'rxjs';
import { pipeSse } from './pipe-sse';

describe(`${pipeSse.name} keep-alive comments`, () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('should write comment lines while the stream is silent, and none once it ended', async () => {
    const events = new Subject<unknown>();
    let piped!: Promise<void>;
    server = createServer((_req, res) => {
      piped = pipeSse(res as unknown as Response, events, { keepAliveMs: 20 });
      events.next({ a: 1 });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const reader = response.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    // Read until two comments arrived during the silence, then end the stream.
    while ((text.match(/: keep-alive/g) ?? []).length < 2) {
      const { value } = await reader.read();
      text += decoder.decode(value);
    }
    events.next({ b: 2 });
    events.complete();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      text += decoder.decode(value);
    }
    await piped;
    expect(text).toMatch(/^data: \{"a":1\}\n\n(: keep-alive\n\n){2,}data: \{"b":2\}\n\ndata: \[DONE\]\n\n$/);
  });
});
