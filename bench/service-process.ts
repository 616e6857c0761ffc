/** Helpers of the benches that start `dist/main.js` themselves (stall.ts, idle-rss.ts). */
import { createServer } from 'node:net';

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Resolves once `${url}/health` answers 200; throws when `alive()` says the process ended or 20 s passed. */
export async function waitHealthy(url: string, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (alive() && Date.now() < deadline) {
    const ok = await fetch(`${url}/health`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) {
      return;
    }
    await sleep(100);
  }
  throw new Error(`${url}: the service did not become healthy`);
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
