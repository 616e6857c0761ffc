import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ServeMode =
  /** The whole file, honouring Range requests with 206. */
  | 'normal'
  /** The first response stops halfway and the connection is destroyed; later requests are served normally. */
  | 'cut-once'
  /** Every response stops halfway (a connection that keeps dropping). */
  | 'cut-always'
  /** Accepts the connection and never answers (a dead network path). */
  | 'silent'
  /** Answers every request with 503 at once (a hub that is down): a failure that needs no timer. */
  | 'unavailable';

export interface RecordedRequest {
  path: string;
  range?: string;
}

/** A loopback HTTP server that serves model bytes the way a model hub does (redirect, ranges), and can misbehave. */
export class ModelFileServer {
  readonly requests: RecordedRequest[] = [];
  mode: ServeMode = 'normal';
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private responses = 0;

  constructor(private readonly bytes: Buffer) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push({ path: req.url ?? '', range: req.headers.range });
    if (this.mode === 'silent') {
      return;
    }
    if (this.mode === 'unavailable') {
      res.writeHead(503).end();
      return;
    }
    // Hubs answer a model URL with a redirect to a CDN; the client must follow it.
    if (req.url?.startsWith('/models/')) {
      res.writeHead(302, { location: req.url.replace('/models/', '/cdn/') }).end();
      return;
    }
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = match ? Number(match[1]) : 0;
    if (start >= this.bytes.length) {
      res.writeHead(416).end();
      return;
    }
    const body = this.bytes.subarray(start);
    res.writeHead(match ? 206 : 200, {
      'content-length': body.length,
      'content-type': 'application/octet-stream',
      ...(match ? { 'content-range': `bytes ${start}-${this.bytes.length - 1}/${this.bytes.length}` } : {}),
    });
    const cut = this.mode === 'cut-always' || (this.mode === 'cut-once' && this.responses === 0);
    this.responses++;
    if (!cut) {
      res.end(body);
      return;
    }
    // End the socket gracefully (FIN after the bytes) so the client really has half the body when the cut comes.
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.end());
  }
}
