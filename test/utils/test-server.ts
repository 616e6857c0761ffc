import type { NestExpressApplication } from '@nestjs/platform-express';
import OpenAI from 'openai';
import { ChatAgent, type ChatAgentOptions } from '../../src/core/chat-agent';
import { OpenAICompatibleModel } from '../../src/core/backends/openai-compatible.model';
import { createServer, type ServerOptions } from '../../src/server/create-server';
import { FakeUpstream } from './fake-upstream';

export interface TestServer {
  app: NestExpressApplication;
  /** e.g. `http://127.0.0.1:12345` */
  url: string;
  /** An official `openai` client pointed at the server, with retries off so failures show at once. */
  client: OpenAI;
  close(): Promise<void>;
}

/** Starts the real service (the same `createServer` as production) on a free loopback port. */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const app = await createServer(options);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'test-key', maxRetries: 0 });
  return { app, url, client, close: () => app.close() };
}

export interface UpstreamStack extends TestServer {
  upstream: FakeUpstream;
  agent: ChatAgent;
}

/** A fake upstream, an agent with `OpenAICompatibleModel` pointed at it, and the service serving that agent. */
export async function startUpstreamStack(agentOptions: Partial<ChatAgentOptions> = {}): Promise<UpstreamStack> {
  const upstream = new FakeUpstream();
  const baseURL = await upstream.start();
  const agent = new ChatAgent({
    systemMessage: 'You are a test agent.',
    ...agentOptions,
    model: new OpenAICompatibleModel({ model: 'upstream-model', baseURL, apiKey: 'upstream-key' }),
  });
  const server = await startServer({ agents: agent });
  return {
    ...server,
    upstream,
    agent,
    close: async () => {
      await server.close();
      await upstream.stop();
    },
  };
}
