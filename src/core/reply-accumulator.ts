import type { ChatMessage, FinishReason, ModelResult, ModelStreamEvent, ToolCall, Usage } from './types';

/** Rebuilds a whole assistant reply from streamed deltas; tool calls are keyed by their delta `index`. */
export class ReplyAccumulator {
  text = '';
  private readonly calls = new Map<number, ToolCall>();

  add(event: ModelStreamEvent): void {
    if (event.type === 'text') {
      this.text += event.text;
    } else if (event.type === 'tool-call') {
      const call = this.calls.get(event.index) ?? { id: '', name: '', arguments: '' };
      call.id ||= event.id ?? '';
      call.name ||= event.name ?? '';
      call.arguments += event.arguments ?? '';
      this.calls.set(event.index, call);
    }
  }

  get toolCalls(): ToolCall[] {
    return [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  }

  get hasToolCalls(): boolean {
    return this.calls.size > 0;
  }

  message(): ChatMessage & { role: 'assistant' } {
    return assistantMessage(this.text, this.toolCalls);
  }
}

/** The one shape of an assistant reply: `content: null` when it is only tool calls, as OpenAI sends it. */
export function assistantMessage(text: string, toolCalls: ToolCall[]): ChatMessage & { role: 'assistant' } {
  const reply: ChatMessage & { role: 'assistant' } = {
    role: 'assistant',
    content: toolCalls.length > 0 && !text ? null : text,
  };
  if (toolCalls.length > 0) {
    reply.toolCalls = toolCalls;
  }
  return reply;
}

/** Drains a backend's stream into one result: how a backend that streams natively implements `generate()`. */
export async function collectModelResult(events: AsyncIterable<ModelStreamEvent>): Promise<ModelResult> {
  const reply = new ReplyAccumulator();
  let finishReason: FinishReason = 'stop';
  let usage: Usage | undefined;
  for await (const event of events) {
    if (event.type === 'finish') {
      finishReason = event.finishReason;
      usage = event.usage;
    } else {
      reply.add(event);
    }
  }
  const { content, toolCalls = [] } = reply.message();
  return { content: typeof content === 'string' ? content : null, toolCalls, finishReason, usage };
}
