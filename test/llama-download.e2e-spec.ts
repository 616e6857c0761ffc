import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LlamaCppModel } from '../src/core/backends/llama-cpp/llama-cpp.model';
import {
  cacheFileName,
  type DownloadProgress,
  downloadModel,
  ModelDownloadError,
} from '../src/core/backends/llama-cpp/model-download';
import { ChatAgent } from '../src/core/chat-agent';
import { ModelFileServer } from './utils/llama-model-server';
import { closeNow } from './utils/llama-recording';
import { startServer } from './utils/test-server';
import { buildTinyGguf } from './utils/tiny-gguf';

/** Model downloads against a loopback server that serves a generated GGUF (and cuts, truncates or stalls). */

jest.setTimeout(60_000);

const model = buildTinyGguf({ seed: 21 });

describe('model download', () => {
  let server: ModelFileServer;
  let base: string;
  let dir: string;

  beforeEach(async () => {
    server = new ModelFileServer(model);
    base = await server.start();
    dir = mkdtempSync(join(tmpdir(), 'llama-models-'));
  });

  afterEach(async () => {
    await server.stop();
  });

  it('downloads once, through a redirect, reporting progress, and reuses the cached file', async () => {
    const progress: DownloadProgress[] = [];
    const logs: string[] = [];
    const url = `${base}/models/tiny-q4.gguf`;
    const file = await downloadModel(url, { dir, onProgress: (p) => progress.push(p), onLog: (m) => logs.push(m) });

    expect(file).toBe(join(dir, cacheFileName(url)));
    expect(readFileSync(file).equals(model)).toBe(true);
    expect(existsSync(`${file}.part`)).toBe(false);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toMatchObject({ receivedBytes: model.length, totalBytes: model.length });
    const received = progress.map((p) => p.receivedBytes);
    expect([...received].sort((a, b) => a - b)).toEqual(received);
    expect(logs.some((line) => /Downloaded 100%/.test(line))).toBe(true);
    expect(logs.some((line) => line.startsWith('Model saved to'))).toBe(true);

    const requestsBefore = server.requests.length;
    expect(await downloadModel(url, { dir })).toBe(file);
    expect(server.requests.length).toBe(requestsBefore);
  });

  it('resumes with an HTTP Range request after the connection is cut', async () => {
    server.mode = 'cut-once';
    const logs: string[] = [];
    const file = await downloadModel(`${base}/cdn/tiny.gguf`, { dir, onLog: (m) => logs.push(m) });
    expect(readFileSync(file).equals(model)).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0].range).toBeUndefined();
    // Resumed from what had arrived before the cut (how much did is up to the sockets), not from zero.
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(server.requests[1].range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(model.length);
    expect(logs.some((line) => /resuming/i.test(line))).toBe(true);
  });

  it('never uses a truncated download as a model, and resumes it on the next start', async () => {
    server.mode = 'cut-always';
    const url = `${base}/cdn/tiny.gguf`;
    const target = join(dir, cacheFileName(url));
    const error = await downloadModel(url, { dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelDownloadError);
    expect((error as Error).message).toMatch(/LLAMA_MODEL=/);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.part`)).toBe(true);

    server.mode = 'normal';
    const requestsBefore = server.requests.length;
    expect(await downloadModel(url, { dir })).toBe(target);
    expect(readFileSync(target).equals(model)).toBe(true);
    expect(server.requests[requestsBefore].range).toMatch(/^bytes=\d+-$/);
  });

  it('rejects a complete download whose content is a truncated model', async () => {
    await server.stop();
    server = new ModelFileServer(model.subarray(0, Math.floor(model.length * 0.7)));
    base = await server.start();
    const url = `${base}/cdn/cut.gguf`;
    const error = await downloadModel(url, { dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelDownloadError);
    expect((error as Error).message).toMatch(/truncated/);
    expect(existsSync(join(dir, cacheFileName(url)))).toBe(false);
    expect(existsSync(join(dir, `${cacheFileName(url)}.part`))).toBe(false);
  });

  it('fails with a clear message instead of hanging when the network does not answer', async () => {
    server.mode = 'silent';
    const error = await downloadModel(`${base}/cdn/tiny.gguf`, { dir, connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelDownloadError);
    expect((error as Error).message).toMatch(/no answer within 300 ms/);
    expect((error as Error).message).toMatch(/LLAMA_MODEL=\/path\/to\/model\.gguf/);
  });

  it('serves a model given as a URL once it is downloaded, and reports unavailable while it cannot be', async () => {
    // The hub answers 503 rather than nothing: the failure comes at once on a loaded machine too, and the download
    // that follows keeps the default connect timeout (a tight one failed the download itself under load).
    server.mode = 'unavailable';
    const backend = new LlamaCppModel({
      model: `${base}/models/served.gguf`,
      modelDir: dir,
      threads: 1,
      contextSize: 512,
      loadRetryMs: 0,
    });
    const app = await startServer({ agents: { remote: new ChatAgent({ model: backend }) } });
    try {
      const failed = await fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'remote', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(failed.status).toBe(503);
      expect(((await failed.json()) as { error: { code: string } }).error.code).toBe('model_unavailable');

      server.mode = 'normal';
      await backend.ready();
      const completion = await app.client.chat.completions.create({
        model: 'remote',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 4,
        seed: 1,
      });
      expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
    } finally {
      await closeNow(app);
      await backend.close();
    }
  });
});
