/**
 * The floor: what plain Node costs for the same hop. node:http in front, `undici.request` on a keep-alive Agent
 * behind, the request and response bodies piped untouched. Whatever our service costs above this is our own.
 *
 * Env: UPSTREAM_ORIGIN (e.g. http://127.0.0.1:1234).
 */
import { createServer } from 'node:http';
import { pipeline } from 'node:stream';
import { Agent } from 'undici';
import { reportToRunner } from './bench-ipc';

const origin = process.env.UPSTREAM_ORIGIN ?? 'http://127.0.0.1:8001';
const dispatcher = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) {
      abort.abort();
    }
  });
  dispatcher
    .request({
      origin,
      path: req.url ?? '/',
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
      body: req,
      signal: abort.signal,
    })
    .then(
      (upstream) => {
        const headers: Record<string, string> = {};
        const contentType = upstream.headers['content-type'];
        if (typeof contentType === 'string') {
          headers['content-type'] = contentType;
        }
        res.writeHead(upstream.statusCode, headers);
        pipeline(upstream.body, res, () => undefined);
      },
      () => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json' });
        }
        res.end();
      },
    );
});

server.listen(0, '127.0.0.1', () => reportToRunner(server));
