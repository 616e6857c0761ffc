/**
 * A service for the tracing tests, run in its own Node process (with tsx, on the built package): an agent with a
 * tool of its own in front of the fake upstream at UPSTREAM_URL, listening on HOST:PORT. Tracing is configured by
 * the OTEL_* variables it is started with, nothing else. Its own process because the OTLP exporter loads `http`
 * with a native dynamic import, which Jest's VM sandbox refuses.
 *
 * On SIGTERM it closes the app (exporting the last spans) and prints which OpenTelemetry SDK modules it loaded, so
 * a test can see that tracing off loads none.
 */
import { ChatAgent, createServer, FunctionTool, OpenAICompatibleModel } from 'chat-agent-server';
import { z } from 'zod';

async function main(): Promise<void> {
  const clock = new FunctionTool({
    name: 'get_time',
    description: 'The time in a city',
    parameters: z.object({ city: z.string() }),
    execute: ({ city }) => `${city}: 12:00`,
  });
  const agent = new ChatAgent({
    name: 'clock-agent',
    systemMessage: 'You tell the time.',
    model: new OpenAICompatibleModel({
      model: 'upstream-model',
      baseURL: process.env.UPSTREAM_URL,
      apiKey: 'upstream-key',
    }),
    tools: [clock],
    temperature: 0.3,
    maxTokens: 200,
  });
  const app = await createServer({ agents: { 'clock-agent': agent } });
  await app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
  console.log(`listening on ${await app.getUrl()}`);
  process.once('SIGTERM', () => {
    void app.close().then(() => {
      const loaded = Object.keys(require.cache).filter((path) =>
        /@opentelemetry[\\/](sdk-trace|exporter-trace|otlp-|resources|context-async-hooks)/.test(path),
      );
      console.log(`otel-sdk-modules: ${JSON.stringify(loaded)}`);
      process.exit(0);
    });
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
