import type { Response } from 'express';

/**
 * Writes a JSON answer straight to Node's response. Express's `res.json` goes through `res.send` (charset and
 * content-type negotiation, freshness and ETag checks) for a body we already know is JSON and never cached.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
