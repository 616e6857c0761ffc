import { FakeUpstream } from './utils/fake-upstream';
import { readSseData } from './utils/sse';
import { spawnService, type SpawnedService } from './utils/spawn-service';

interface LogLine {
  requestId?: string;
  responseTime?: number;
  req: { headers: Record<string, string> };
}

/**
 * The built service (`node dist/main.js`) as it runs in production: a real SIGTERM, real JSON logs on stdout.
 */
describe('The built service in production (SIGTERM, JSON logs)', () => {
  let upstream: FakeUpstream;
  let baseURL: string;
  let service: SpawnedService | undefined;

  beforeAll(async () => {
    upstream = new FakeUpstream();
    baseURL = await upstream.start();
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });
  afterAll(() => upstream.stop());

  const start = (env: Record<string, string> = {}) =>
    spawnService({
      OPENAI_BASE_URL: baseURL,
      OPENAI_API_KEY: 'upstream-key',
      API_KEYS: 'secret-client-key',
      LOG_LEVEL: 'info',
      ...env,
    });

  const streamRequest = (url: string, requestId: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer secret-client-key',
        'x-request-id': requestId,
      },
      body: JSON.stringify({
        model: 'camel-model',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'count' }],
      }),
    });

  const exitCode = (s: SpawnedService) =>
    new Promise<number | null>((resolve) =>
      s.child.exitCode === null ? s.child.once('exit', resolve) : resolve(s.child.exitCode),
    );

  /** Resolves once a new connection is refused (the listener closed). */
  async function refused(url: string): Promise<void> {
    for (let i = 0; i < 400; i++) {
      try {
        await fetch(`${url}/health`);
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('the server kept accepting connections after SIGTERM');
  }

  it('should let a running stream finish after SIGTERM, refuse new connections, and exit 0', async () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    upstream.responder = () => ({ content: words, chunkDelayMs: 40 });
    service = await start({ SHUTDOWN_DRAIN_MS: '30000' });
    const res = await streamRequest(service.url, 'drain-me');
    expect(res.status).toBe(200);
    const frames = readSseData(res);

    service.child.kill('SIGTERM');
    await refused(service.url);
    const data = await frames;
    expect(data.at(-1)).toBe('[DONE]');
    expect(data.join('')).toContain('word39');
    expect(await exitCode(service)).toBe(0);

    // One JSON line per request, with the request id, status, latency, model, stream flag and usage; no key.
    const output = service.output();
    expect(output).not.toContain('secret-client-key');
    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
    const completed = lines.filter((line) => line.requestId === 'drain-me' && line.responseTime !== undefined);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({
      requestId: 'drain-me',
      model: 'camel-model',
      stream: true,
      res: { statusCode: 200 },
      usage: { promptTokens: expect.any(Number), completionTokens: 40 },
    });
    expect(completed[0].req.headers.authorization).toBe('[redacted]');
  });

  it('should end a stream still running when SHUTDOWN_DRAIN_MS is up with an error frame', async () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    upstream.responder = () => ({ content: words, chunkDelayMs: 25 });
    service = await start({ SHUTDOWN_DRAIN_MS: '300' });
    const res = await streamRequest(service.url, 'cut-me');
    const frames = readSseData(res);
    service.child.kill('SIGTERM');
    const data = await frames;
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1)!)).toMatchObject({
      error: { type: 'server_error', code: 'server_shutting_down' },
    });
    expect(await exitCode(service)).toBe(0);
  });
});
