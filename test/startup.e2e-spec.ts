import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { FakeUpstream } from './utils/fake-upstream';
import { freePort, runUntilExit, spawnService, type SpawnedService } from './utils/spawn-service';

/** A start that failed on its configuration: exit 1, the reason once, no stack, no colour codes (not a terminal). */
function expectPlainRefusal({ code, output }: { code: number | null; output: string }, reason: string): void {
  expect(code).toBe(1);
  expect(output.split(reason)).toHaveLength(2);
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toContain('\u001b[');
  expect(output).not.toContain('[Nest]');
}

describe('The built service (node dist/main.js) configured through the environment', () => {
  let upstream: FakeUpstream;
  let service: SpawnedService;

  beforeAll(async () => {
    upstream = new FakeUpstream();
    const baseURL = await upstream.start();
    service = await spawnService({
      OPENAI_BASE_URL: baseURL,
      OPENAI_API_KEY: 'upstream-secret',
      AGENT_MODEL: 'llama3.2',
      AGENT_SYSTEM_MESSAGE: 'You are the env agent.',
      SERVED_MODEL_NAME: 'my-agent',
    });
  });
  afterAll(async () => {
    await service?.stop();
    await upstream?.stop();
  });

  it('should serve the configured agent to the official client, streamed and not', async () => {
    const client = new OpenAI({ baseURL: `${service.url}/v1`, apiKey: 'anything', maxRetries: 0 });
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['my-agent']);

    const completion = await client.chat.completions.create({
      model: 'my-agent',
      messages: [{ role: 'user', content: 'ping' }],
    });
    expect(completion.choices[0].message.content).toBe('echo: ping');

    const stream = await client.chat.completions.create({
      model: 'my-agent',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('echo: stream me');

    const sent = upstream.completions[0];
    expect(sent.body.model).toBe('llama3.2');
    expect(sent.body.messages![0]).toEqual({ role: 'system', content: 'You are the env agent.' });
    expect(sent.headers.authorization).toBe('Bearer upstream-secret');
  });

  it('should refuse to start on an invalid setting, naming it', async () => {
    const { code, output } = await runUntilExit({ OPENAI_BASE_URL: 'not a url', PORT: '70000' });
    expect(code).not.toBe(0);
    expect(output).toContain('Invalid configuration');
    expect(output).toContain('OPENAI_BASE_URL');
    expect(output).toContain('PORT');
  });

  it('should print a wrong PORT once, plainly, and exit 1', async () => {
    const result = await runUntilExit({ PORT: 'abc' });
    expectPlainRefusal(result, 'PORT must be an integer number');
    expect(result.output).toContain('Invalid configuration');
  });

  it('should stop on a LLAMA_MODEL file that does not exist, naming it', async () => {
    const result = await runUntilExit({ LLAMA_MODEL: '/nonexistent.gguf' });
    expectPlainRefusal(result, '/nonexistent.gguf');
    expect(result.output).toContain('LLAMA_MODEL');
  });
});

describe('A first start that cannot get its model (offline)', () => {
  let service: SpawnedService;
  let modelDir: string;

  beforeAll(async () => {
    modelDir = await mkdtemp(join(tmpdir(), 'offline-start-'));
    // Nothing listens on a port just freed: the download fails at once, as it does without a network.
    const unreachable = `http://127.0.0.1:${await freePort()}/qwen.gguf`;
    service = await spawnService({ LLAMA_MODEL: unreachable, LLAMA_MODEL_DIR: modelDir, LOG_FORMAT: 'json' });
  });
  afterAll(async () => {
    await service?.stop();
    await rm(modelDir, { recursive: true, force: true });
  });

  it('should name every way forward once, and log the 503s meanwhile as warnings', async () => {
    const hint = () => service.output().includes('examples/openai-server.ts --scripted');
    while (!hint()) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${service.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: { code: 'model_unavailable' } });
    }
    await service.stop();
    const lines = service
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; res?: { statusCode: number } });
    const errors = lines.filter((line) => line.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toContain('LLAMA_MODEL=/path/to/model.gguf');
    expect(errors[0].msg).toContain('OPENAI_BASE_URL');
    expect(errors[0].msg).toContain("'npx tsx examples/openai-server.ts --scripted'");
    const refused = lines.filter((line) => line.res?.statusCode === 503);
    expect(refused.map((line) => line.level)).toEqual([40, 40, 40]);
  });
});
