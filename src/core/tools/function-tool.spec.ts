import { z } from 'zod';
import { FunctionTool } from './function-tool';

const context = () => ({ signal: new AbortController().signal, toolCallId: 'call_1' });

describe(FunctionTool.name, () => {
  it('should describe a zod schema as JSON Schema, without the $schema dialect', () => {
    const tool = new FunctionTool({
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: z.object({ city: z.string(), unit: z.enum(['c', 'f']).default('c') }),
      execute: ({ city }) => city,
    });
    expect(tool.definition.name).toBe('get_weather');
    expect(tool.definition.description).toBe('Weather in a city');
    expect(tool.definition.parameters).toMatchObject({
      type: 'object',
      properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } },
      required: ['city'],
    });
    expect(tool.definition.parameters).not.toHaveProperty('$schema');
  });

  it('should run a sync function with the parsed zod output (defaults applied)', async () => {
    const tool = new FunctionTool({
      name: 'echo',
      parameters: z.object({ city: z.string(), unit: z.enum(['c', 'f']).default('c') }),
      execute: (args) => args,
    });
    await expect(tool.invoke('{"city":"Paris"}', context())).resolves.toEqual({
      content: '{"city":"Paris","unit":"c"}',
      isError: false,
    });
  });

  it('should run an async function and send a string result as is', async () => {
    const tool = new FunctionTool({
      name: 'greet',
      parameters: { type: 'object', properties: { who: { type: 'string' } }, required: ['who'] },
      execute: async ({ who }) => {
        await Promise.resolve();
        return `hello ${who as string}`;
      },
    });
    await expect(tool.invoke('{"who":"Ada"}', context())).resolves.toEqual({ content: 'hello Ada', isError: false });
  });

  it('should take its name from the function when none is given', () => {
    function lookup_order() {
      return 'ok';
    }
    expect(new FunctionTool({ execute: lookup_order }).definition.name).toBe('lookup_order');
  });

  it('should reject an invalid name when the tool is built', () => {
    expect(() => new FunctionTool({ name: 'has space', execute: () => 1 })).toThrow(/Invalid tool name/);
  });

  it('should not call the function when arguments fail the zod schema', async () => {
    const execute = jest.fn();
    const tool = new FunctionTool({ name: 't', parameters: z.object({ n: z.number().int() }), execute });
    const outcome = await tool.invoke('{"n":"three"}', context());
    expect(outcome.isError).toBe(true);
    expect(JSON.parse(outcome.content)).toEqual({ error: expect.stringContaining("Invalid arguments for 't'") });
    expect(execute).not.toHaveBeenCalled();
  });

  it('should validate a JSON Schema with ajv, formats included', async () => {
    const execute = jest.fn(() => 'sent');
    const tool = new FunctionTool({
      name: 'send_mail',
      parameters: {
        type: 'object',
        properties: { to: { type: 'string', format: 'email' } },
        required: ['to'],
        additionalProperties: false,
      },
      execute,
    });
    const bad = await tool.invoke('{"to":"not-an-email"}', context());
    expect(bad.isError).toBe(true);
    expect(bad.content).toContain('must match format');
    const missing = await tool.invoke('{}', context());
    expect(missing.content).toContain("must have required property 'to'");
    expect(execute).not.toHaveBeenCalled();
    await expect(tool.invoke('{"to":"a@example.com"}', context())).resolves.toEqual({
      content: 'sent',
      isError: false,
    });
  });

  it('should report arguments that are not JSON', async () => {
    const tool = new FunctionTool({ name: 't', execute: () => 'never' });
    const outcome = await tool.invoke('{"a":', context());
    expect(outcome).toEqual({ content: expect.stringContaining('not valid JSON') as string, isError: true });
  });

  it('should treat empty arguments as an empty object', async () => {
    const tool = new FunctionTool({ name: 'now', execute: () => 'noon' });
    await expect(tool.invoke('', context())).resolves.toEqual({ content: 'noon', isError: false });
  });

  it('should turn a thrown error into an error result', async () => {
    const tool = new FunctionTool({
      name: 'boom',
      execute: () => {
        throw new Error('database down');
      },
    });
    const outcome = await tool.invoke('{}', context());
    expect(outcome.isError).toBe(true);
    expect(JSON.parse(outcome.content)).toEqual({ error: "'boom' failed: database down" });
  });

  it('should give up at its timeout and abort the signal the function got', async () => {
    let seen: AbortSignal | undefined;
    const tool = new FunctionTool({
      name: 'slow',
      timeoutMs: 20,
      execute: (_args, { signal }) => {
        seen = signal;
        return new Promise(() => undefined);
      },
    });
    const outcome = await tool.invoke('{}', context());
    expect(outcome).toEqual({ content: JSON.stringify({ error: "'slow' timed out after 20 ms." }), isError: true });
    expect(seen?.aborted).toBe(true);
  });

  it('should pass the caller abort on to the function', async () => {
    const caller = new AbortController();
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const tool = new FunctionTool({
      name: 'waits',
      timeoutMs: 0,
      execute: (_args, { signal }) =>
        new Promise((_resolve, reject) => {
          started();
          signal.addEventListener('abort', () => reject(new Error('stopped')));
        }),
    });
    const pending = tool.invoke('{}', { signal: caller.signal, toolCallId: 'c' });
    await running;
    caller.abort();
    const outcome = await pending;
    expect(outcome.isError).toBe(true);
    expect(outcome.content).toContain('aborted');
  });

  it('should not start the function when the caller already aborted', async () => {
    const execute = jest.fn();
    const tool = new FunctionTool({ name: 'never', execute });
    const outcome = await tool.invoke('{}', { signal: AbortSignal.abort(), toolCallId: 'c' });
    expect(outcome).toEqual({ content: JSON.stringify({ error: "'never' was aborted." }), isError: true });
    expect(execute).not.toHaveBeenCalled();
  });
});
