import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RoundRobinProxy {
  url: string;
  /** The index of the target that served each request, in order. */
  servedBy: number[];
  stop(): Promise<void>;
}

/**
 * A minimal load balancer for tests: each request goes to the next target in turn, streamed both ways (as nginx
 * does with `proxy_buffering off`), and the answer says which target served it (`x-served-by`).
 */
export async function startRoundRobinProxy(targets: string[]): Promise<RoundRobinProxy> {
  const servedBy: number[] = [];
  const sockets = new Set<Socket>();
  let next = 0;
  const server: Server = createServer((req, res) => {
    const index = next++ % targets.length;
    servedBy.push(index);
    const target = new URL(req.url ?? '/', targets[index]);
    const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, { ...up.headers, 'x-served-by': String(index) });
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502);
      }
      res.end();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    servedBy,
    stop: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
