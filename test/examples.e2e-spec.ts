import type { INestApplication } from '@nestjs/common';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runChecks } from '../examples/client';
import { createExampleAgent, createScriptedModel } from '../examples/example-agent';
import { ask } from '../examples/simple-client';
import { ScriptedModel } from '../src/core/backends/scripted.model';
import { ChatAgent } from '../src/core/chat-agent';
import { freePort } from './utils/spawn-service';
import { startServer } from './utils/test-server';

const ROOT = join(__dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs an example with tsx, as the README tells users to; resolves with its exit code and output. */
function runExample(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<[number, string]> } {
  const child = spawn(TSX, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const done = new Promise<[number, string]>((resolve) => child.on('exit', (code) => resolve([code ?? -1, output])));
  return { child, done };
}

describe('examples/ (e2e)', () => {
  let app: INestApplication;
  let server: { url: string };

  beforeAll(async () => {
    // As the example does it: the agent serves itself (typed from the package, so no src/dist type mixing).
    app = await createExampleAgent(createScriptedModel()).toOpenAICompatibleServer();
    await app.listen(0, '127.0.0.1');
    server = { url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  });
  afterAll(async () => {
    await app.close();
  });

  it('should pass every check of examples/client.ts against the example agent', async () => {
    const results = await runChecks(`${server.url}/v1`);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => r.name)).toEqual([
      'models',
      'basic chat',
      'system message',
      'streaming',
      'multi-turn',
      "agent's own tool (runs on the server)",
      'client tools (tool_calls round trip)',
      'legacy functions (function_call round trip)',
      'error: unknown model is a 404 with an OpenAI error body',
      'error: an invalid request is a 400 naming the parameter',
    ]);
  });

  it('should report a failing check, so the client can exit non-zero', async () => {
    const clueless = await startServer({
      agents: new ChatAgent({ model: new ScriptedModel({ replies: ['I do not know.'] }) }),
    });
    try {
      const results = await runChecks(`${clueless.url}/v1`);
      expect(results.find((r) => r.name === 'basic chat')).toMatchObject({ ok: false });
      expect(results.find((r) => r.name === 'client tools (tool_calls round trip)')).toMatchObject({ ok: false });
    } finally {
      await clueless.close();
    }
  });

  it('should answer the question of examples/simple-client.ts', async () => {
    await expect(ask('What is the capital of France?', `${server.url}/v1`)).resolves.toContain('Paris');
  });

  it('should run examples/client.ts with tsx and exit 0', async () => {
    const { done } = runExample(['examples/client.ts'], { CHAT_AGENT_URL: `${server.url}/v1` });
    const [code, output] = await done;
    expect(output).toContain('10/10 checks passed');
    expect(code).toBe(0);
  });

  it('should serve the scripted agent with examples/openai-server.ts (built package)', async () => {
    // The server example imports the package by name, i.e. dist/ (tsx cannot emit decorator metadata for src/).
    expect(existsSync(join(ROOT, 'dist', 'index.js'))).toBe(true);
    const port = await freePort();
    const { child, done } = runExample(['examples/openai-server.ts', '--scripted'], {
      PORT: String(port),
      HOST: '127.0.0.1',
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (d: Buffer) => d.toString().includes('listening on') && resolve());
        void done.then(([code, output]) => reject(new Error(`exited with ${code}: ${output}`)));
      });
      const results = await runChecks(`http://127.0.0.1:${port}/v1`);
      expect(results.filter((r) => !r.ok)).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await done;
    }
  });

  it('should drain a running stream on Ctrl-C (SIGINT) in examples/openai-server.ts, then exit 0', async () => {
    const port = await freePort();
    const { child, done } = runExample(['examples/openai-server.ts', '--scripted'], {
      PORT: String(port),
      HOST: '127.0.0.1',
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (d: Buffer) => d.toString().includes('listening on') && resolve());
        void done.then(([code, output]) => reject(new Error(`exited with ${code}: ${output}`)));
      });
      // The scripted model echoes this back 20 ms a token: the stream is still running when the signal comes.
      const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
      const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: `Repeat ${words}` }] }),
      });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let body = '';
      while (!body.includes('"content":"You')) {
        const { value } = await reader.read();
        body += decoder.decode(value, { stream: true });
      }
      child.kill('SIGINT');
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        body += decoder.decode(chunk.value, { stream: true });
      }
      expect(body).toContain('word29');
      expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
      const [code] = await done;
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
