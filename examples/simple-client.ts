/**
 * One question to the agent with the official `openai` client, exactly as you would ask OpenAI.
 *
 *   npx tsx examples/simple-client.ts "What is the capital of France?"
 *
 * CHAT_AGENT_URL (default http://localhost:8000/v1), CHAT_AGENT_API_KEY (when the server requires one).
 */
import OpenAI from 'openai';

export async function ask(question: string, baseURL = process.env.CHAT_AGENT_URL ?? 'http://localhost:8000/v1') {
  const client = new OpenAI({ baseURL, apiKey: process.env.CHAT_AGENT_API_KEY ?? 'not-needed' });
  const { data } = await client.models.list();
  const completion = await client.chat.completions.create({
    model: data[0].id,
    messages: [{ role: 'user', content: question }],
  });
  return completion.choices[0].message.content ?? '';
}

if (require.main === module) {
  ask(process.argv[2] ?? 'What is the capital of France?').then(
    (answer) => console.log(answer),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
