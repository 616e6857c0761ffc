import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGUI_MEDIA_TYPE } from '@ag-ui/proto';
import { FakeUpstream } from './utils/fake-upstream';
import { freePort, spawnService, type SpawnedService } from './utils/spawn-service';
import { waitFor } from './utils/wait-for';

const PRELOAD = join(__dirname, 'fixtures', 'loaded-modules-on-sigusr2.cjs');

/** The packages an idle server does without, each as the files that show it loaded. */
const LAZY = {
  ioredis: /\/node_modules\/ioredis\//,
  'the MCP SDK': /\/node_modules\/@modelcontextprotocol\/sdk\//,
  'the A2A SDK': /\/node_modules\/@a2a-js\/sdk\/dist\/(index|server\/index)\.cjs$/,
  '@ag-ui/encoder': /\/node_modules\/@ag-ui\/(encoder|proto)\//,
  "@ag-ui/core's schemas": /\/node_modules\/@ag-ui\/core\/dist\/schemas/,
  zod: /\/node_modules\/zod\//,
  // The upstream client's: loaded by the first upstream call.
  undici: /\/node_modules\/undici\//,
} as const;
type Lazy = keyof typeof LAZY;

/** Which of the lazy packages the service has loaded, read from its module cache (the preload's list). */
async function loaded(service: SpawnedService, listFile: string): Promise<Lazy[]> {
  rmSync(listFile, { force: true });
  service.child.kill('SIGUSR2');
  await waitFor(() => existsSync(listFile), 'the list of loaded modules');
  const files = readFileSync(listFile, 'utf8').split('\n');
  return (Object.keys(LAZY) as Lazy[]).filter((name) => files.some((file) => LAZY[name].test(file)));
}

async function startService(dir: string, env: Record<string, string>): Promise<SpawnedService> {
  return spawnService({
    NODE_OPTIONS: `--require ${PRELOAD}`,
    LOADED_MODULES_FILE: join(dir, 'loaded.txt'),
    OPENAI_API_KEY: 'x',
    AGENT_MODEL: 'm',
    SERVED_MODEL_NAME: 'agent',
    ...env,
  });
}

describe('What the built service loads only when first used (e2e)', () => {
  let upstream: FakeUpstream;
  let dir: string;
  let service: SpawnedService;
  let listFile: string;

  beforeAll(async () => {
    upstream = new FakeUpstream();
    dir = mkdtempSync(join(tmpdir(), 'lazy-loading-'));
    listFile = join(dir, 'loaded.txt');
    service = await startService(dir, { OPENAI_BASE_URL: await upstream.start() });
  });
  afterAll(async () => {
    await service?.stop();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should load none of them while idle, with an upstream and without Redis or MCP tools', async () => {
    expect((await fetch(`${service.url}/health`)).ok).toBe(true);
    expect(await loaded(service, listFile)).toEqual([]);
  });

  it('should need only undici for a chat completion', async () => {
    const response = await fetch(`${service.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(await loaded(service, listFile)).toEqual(['undici']);
  });

  it('should load the A2A SDK for the first agent card', async () => {
    const response = await fetch(`${service.url}/.well-known/agent-card.json`);
    expect(response.status).toBe(200);
    expect(await loaded(service, listFile)).toEqual(['the A2A SDK', 'undici']);
  });

  it("should load AG-UI's schemas for the first run, and its encoder only for a client that asks for protobuf", async () => {
    const run = (accept: string) =>
      fetch(`${service.url}/v1/agents/agent/ag-ui`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({
          threadId: 't',
          runId: 'r',
          messages: [{ id: 'u1', role: 'user', content: 'hi' }],
          tools: [],
          context: [],
          state: {},
          forwardedProps: {},
        }),
      });
    const sse = await run('text/event-stream');
    expect(sse.headers.get('content-type')).toContain('text/event-stream');
    await sse.text();
    expect(await loaded(service, listFile)).toEqual(['the A2A SDK', "@ag-ui/core's schemas", 'zod', 'undici']);

    const proto = await run(AGUI_MEDIA_TYPE);
    expect(proto.headers.get('content-type')).toContain(AGUI_MEDIA_TYPE);
    await proto.arrayBuffer();
    expect(await loaded(service, listFile)).toEqual([
      'the A2A SDK',
      '@ag-ui/encoder',
      "@ag-ui/core's schemas",
      'zod',
      'undici',
    ]);
  });

  it('should load the MCP SDK for the first /mcp request', async () => {
    const response = await fetch(`${service.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
      }),
    });
    expect(response.status).toBe(200);
    await response.text();
    expect(await loaded(service, listFile)).toContain('the MCP SDK');
  });

  it('should load ioredis at start when REDIS_URL is set', async () => {
    // Nothing listens there: the connection fails (logged), /health still answers, ioredis is loaded all the same.
    const redisDir = mkdtempSync(join(tmpdir(), 'lazy-loading-redis-'));
    const withRedis = await startService(redisDir, {
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    try {
      expect(await loaded(withRedis, join(redisDir, 'loaded.txt'))).toEqual(['ioredis']);
    } finally {
      await withRedis.stop();
      rmSync(redisDir, { recursive: true, force: true });
    }
  });
});
