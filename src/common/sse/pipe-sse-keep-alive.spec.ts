import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'express';
import { of } from 'rxjs';
import { pipeSse, SseComment } from './pipe-sse';

describe(`${pipeSse.name} keep-alive comments`, () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('should write SseComment events as comment lines between data frames', async () => {
    server = createServer((_req, res) => {
      void pipeSse(
        res as unknown as Response,
        of({ a: 1 }, new SseComment(), new SseComment('tools running'), { b: 2 }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(await response.text()).toBe(
      'data: {"a":1}\n\n: keep-alive\n\n: tools running\n\ndata: {"b":2}\n\ndata: [DONE]\n\n',
    );
  });
});
