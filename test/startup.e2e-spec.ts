import OpenAI from 'openai';
import { FakeUpstream } from './utils/fake-upstream';
import { runUntilExit, spawnService, type SpawnedService } from './utils/spawn-service';

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
});
