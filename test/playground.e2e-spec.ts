import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptedModel } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import type { WireErrorBody } from '../src/openai/openai.types';
import { startServer, type TestServer } from './utils/test-server';
import { withEnv } from './utils/with-env';

/** The playground's routes (the page itself is tested in a browser: test/browser/playground.e2e-spec.ts). */
describe('Playground routes (e2e)', () => {
  let dir: string;
  let server: TestServer | undefined;
  const start = (env: Record<string, string>) =>
    withEnv(env, () => startServer({ agents: new ChatAgent({ model: new ScriptedModel() }) }));

  beforeAll(() => {
    // A stand-in build: the routes serve whatever `npm run build` put there, and only the page's own files.
    dir = mkdtempSync(join(tmpdir(), 'playground-routes-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>page</title>');
    writeFileSync(join(dir, 'playground.js'), 'console.log(1);');
    writeFileSync(join(dir, 'secret.js'), 'no');
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should serve the page at / and /playground under a CSP without inline scripts, open even with API keys', async () => {
    server = await start({ PLAYGROUND_DIR: dir, API_KEYS: 'k' });
    for (const path of ['/', '/playground', '/playground/']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain('<title>page</title>');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("connect-src 'self'");
    }
    const script = await fetch(`${server.url}/playground/playground.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1);');
    for (const path of [
      '/playground/secret.js',
      '/playground/playground.controller.js',
      '/playground/..%2Fpackage.json',
    ]) {
      expect((await fetch(`${server.url}${path}`)).status).toBe(404);
    }
    // The API behind it still wants its key.
    expect((await fetch(`${server.url}/v1/models`)).status).toBe(401);
  });

  it('should turn the playground off with PLAYGROUND=false', async () => {
    server = await start({ PLAYGROUND_DIR: dir, PLAYGROUND: 'false' });
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as WireErrorBody).error.message).toMatch(/PLAYGROUND=false/);
    expect((await fetch(`${server.url}/playground/playground.js`)).status).toBe(404);
  });

  it('should refuse an invalid PLAYGROUND value at start', async () => {
    await expect(start({ PLAYGROUND: 'maybe' })).rejects.toThrow(/PLAYGROUND/);
  });
});
