/** Copy-ready ways to call the selected agent from code, for the "use this agent" panel. */
export function snippets(baseUrl: string, agentId: string, needsKey: boolean): Array<{ title: string; code: string }> {
  const key = needsKey ? '$API_KEY' : 'unused';
  return [
    {
      title: 'curl',
      code: [
        `curl ${baseUrl}/chat/completions \\`,
        `  -H 'Content-Type: application/json' \\`,
        ...(needsKey ? [`  -H "Authorization: Bearer $API_KEY" \\`] : []),
        `  -d '{"model": "${agentId}", "messages": [{"role": "user", "content": "Hello!"}]}'`,
      ].join('\n'),
    },
    {
      title: 'openai (TypeScript)',
      code: [
        `import OpenAI from 'openai';`,
        ``,
        `const client = new OpenAI({ baseURL: '${baseUrl}', apiKey: ${needsKey ? 'process.env.API_KEY' : `'${key}'`} });`,
        `const completion = await client.chat.completions.create({`,
        `  model: '${agentId}',`,
        `  messages: [{ role: 'user', content: 'Hello!' }],`,
        `});`,
        `console.log(completion.choices[0].message.content);`,
      ].join('\n'),
    },
    {
      title: 'AI SDK',
      code: [
        `import { createOpenAICompatible } from '@ai-sdk/openai-compatible';`,
        `import { streamText } from 'ai';`,
        ``,
        `const agent = createOpenAICompatible({ name: 'agent', baseURL: '${baseUrl}', apiKey: ${needsKey ? 'process.env.API_KEY' : `'${key}'`} });`,
        `const result = streamText({ model: agent('${agentId}'), prompt: 'Hello!' });`,
        `for await (const text of result.textStream) process.stdout.write(text);`,
      ].join('\n'),
    },
    {
      title: 'AG-UI (@ag-ui/client)',
      code: [
        `import { HttpAgent } from '@ag-ui/client';`,
        ``,
        `const agent = new HttpAgent({`,
        `  url: '${baseUrl}/agents/${encodeURIComponent(agentId)}/ag-ui',`,
        ...(needsKey ? ['  headers: { Authorization: `Bearer ${process.env.API_KEY}` },'] : []),
        `});`,
        `agent.addMessage({ id: '1', role: 'user', content: 'Hello!' });`,
        `const { newMessages } = await agent.runAgent();`,
      ].join('\n'),
    },
  ];
}
