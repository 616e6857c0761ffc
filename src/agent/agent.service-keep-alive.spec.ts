import { SseComment } from '../common/sse/pipe-sse';
import { ScriptedModel } from '../core/backends/scripted.model';
import { ChatAgent } from '../core/chat-agent';
import { FunctionTool } from '../core/tools/function-tool';
import type { ChatCompletionChunk } from '../openai/openai.types';
import { AgentService } from './agent.service';

describe(`${AgentService.name} keep-alive during tool runs`, () => {
  beforeEach(() => {
    // Only the interval is faked: promises, sockets and setTimeout keep their real behaviour.
    jest.useFakeTimers({
      doNotFake: [
        'Date',
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setTimeout',
        'clearTimeout',
      ],
    });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('should send a comment when the tools start, then every 5 s until they end, and none after', async () => {
    let started!: () => void;
    const toolStarted = new Promise<void>((resolve) => (started = resolve));
    let release!: (value: string) => void;
    const slow = new FunctionTool({
      name: 'slow',
      timeoutMs: 0,
      execute: () =>
        new Promise<string>((resolve) => {
          release = resolve;
          started();
        }),
    });
    const model = new ScriptedModel({ replies: [{ toolCalls: [{ name: 'slow', arguments: {} }] }, 'done'] });
    const service = new AgentService(new Map([['m', new ChatAgent({ model, tools: [slow] })]]));
    const events: Array<ChatCompletionChunk | SseComment> = [];
    const completed = new Promise<void>((resolve, reject) =>
      service
        .stream({
          model: 'm',
          messages: [{ role: 'user', content: 'go' }],
          options: {},
          n: 1,
          stream: true,
          includeUsage: false,
        })
        .subscribe({ next: (event) => events.push(event), error: reject, complete: resolve }),
    );
    const comments = () => events.filter((event) => event instanceof SseComment).length;

    await toolStarted;
    expect(comments()).toBe(1);
    jest.advanceTimersByTime(5_000);
    expect(comments()).toBe(2);
    jest.advanceTimersByTime(10_000);
    expect(comments()).toBe(4);

    release('ok');
    await completed;
    jest.advanceTimersByTime(20_000);
    expect(comments()).toBe(4);
    const text = events
      .filter((event): event is ChatCompletionChunk => !(event instanceof SseComment))
      .map((chunk) => chunk.choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe('done');
  });
});
