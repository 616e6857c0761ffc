/**
 * Serves an agent with a tool of its own as an OpenAI-compatible API.
 *
 *   npm run build
 *   OPENAI_API_KEY=sk-... npx tsx examples/openai-server.ts                  # OpenAI (or OPENAI_BASE_URL=...)
 *   AGENT_MODEL=llama3.1 OPENAI_BASE_URL=http://localhost:11434/v1 npx tsx examples/openai-server.ts
 *   npx tsx examples/openai-server.ts --scripted                             # offline, no key needed
 *
 * Then point any OpenAI client at http://localhost:8000/v1 (PORT changes the port).
 */
import { enableGracefulShutdown, OpenAICompatibleModel } from 'chat-agent-server';
import { createExampleAgent, createScriptedModel } from './example-agent';

async function main(): Promise<void> {
  const scripted = process.argv.includes('--scripted') || process.env.AGENT_MODEL === 'scripted';
  const model = scripted
    ? createScriptedModel(20)
    : new OpenAICompatibleModel({
        model: process.env.AGENT_MODEL ?? 'gpt-4o-mini',
        baseURL: process.env.OPENAI_BASE_URL,
        apiKey: process.env.OPENAI_API_KEY,
      });
  const agent = createExampleAgent(model);
  const app = await agent.toOpenAICompatibleServer();
  // Ctrl-C or SIGTERM lets running requests and streams finish (SHUTDOWN_DRAIN_MS), as `npm start` does.
  enableGracefulShutdown(app);
  await app.listen(Number(process.env.PORT ?? 8000), process.env.HOST ?? '0.0.0.0');
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
  console.log(`Agent (${scripted ? 'scripted' : model.modelName}) listening on ${url}/v1`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
