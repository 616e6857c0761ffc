import { type AgentSubscriber, HttpAgent } from '@ag-ui/client';
import type { Message, Tool, ToolCall } from '@ag-ui/core';

/** The page's own tool: the agent may ask for it, the browser answers (a front-end tool round trip). */
export const LOCAL_TIME_TOOL: Tool = {
  name: 'get_local_time',
  description: "The user's current local date, time and time zone, as their browser knows them.",
  parameters: { type: 'object', properties: {} },
};

/** What the page shows while a reply streams. */
export interface ReplyView {
  text(messageId: string, text: string): void;
  toolStarted(id: string, name: string, frontEnd: boolean): void;
  toolArgs(id: string, args: string): void;
  toolResult(id: string, result: string, durationMs: number): void;
  stats(text: string): void;
  error(text: string): void;
}

export interface ReplyRequest {
  url: string;
  apiKey: string;
  threadId: string;
  messages: Message[];
  systemMessage: string;
  temperature?: number;
}

const MAX_ROUNDS = 5;

/**
 * One reply of the agent: an AG-UI run, and when the agent called the page's tool, the page runs it and starts the
 * next run with the result (the same thread, the call's id unchanged), until the agent answers.
 */
export class Reply {
  private agent?: HttpAgent;
  private stopped = false;
  private readonly toolStarts = new Map<string, number>();
  private readonly stats = new ReplyStats();

  stop(): void {
    this.stopped = true;
    this.agent?.abortRun();
  }

  async run(request: ReplyRequest, view: ReplyView): Promise<Message[]> {
    let messages = request.messages;
    let ok = true;
    for (let round = 0; round < MAX_ROUNDS && !this.stopped; round++) {
      const headers: Record<string, string> = request.apiKey ? { Authorization: `Bearer ${request.apiKey}` } : {};
      const agent = new HttpAgent({ url: request.url, headers, threadId: request.threadId, initialMessages: messages });
      this.agent = agent;
      ok = await this.once(agent, request, view);
      messages = agent.messages;
      const pending = ok && !this.stopped ? pendingCalls(messages) : [];
      if (pending.length === 0) {
        break;
      }
      for (const call of pending) {
        const result = runLocalTool();
        messages = [...messages, { id: crypto.randomUUID(), role: 'tool', toolCallId: call.id, content: result }];
        view.toolResult(call.id, result, performance.now() - (this.toolStarts.get(call.id) ?? performance.now()));
      }
    }
    if (ok) {
      view.stats(this.stats.line());
    }
    return messages;
  }

  /** One AG-UI run; false when it failed or was stopped. */
  private async once(agent: HttpAgent, request: ReplyRequest, view: ReplyView): Promise<boolean> {
    let failure: string | undefined;
    const first = () => this.stats.first();
    const subscriber: AgentSubscriber = {
      onTextMessageContentEvent: ({ event, textMessageBuffer }) => {
        first();
        view.text(event.messageId, textMessageBuffer + event.delta);
      },
      onToolCallStartEvent: ({ event }) => {
        first();
        this.toolStarts.set(event.toolCallId, performance.now());
        view.toolStarted(event.toolCallId, event.toolCallName, event.toolCallName === LOCAL_TIME_TOOL.name);
      },
      onToolCallArgsEvent: ({ event, toolCallBuffer }) => view.toolArgs(event.toolCallId, toolCallBuffer + event.delta),
      onToolCallResultEvent: ({ event }) => {
        const started = this.toolStarts.get(event.toolCallId) ?? performance.now();
        const content = typeof event.content === 'string' ? event.content : JSON.stringify(event.content);
        view.toolResult(event.toolCallId, content, performance.now() - started);
      },
      onRunFinishedEvent: ({ event }) => {
        for (const usage of event.usage ?? []) {
          this.stats.add(usage.inputTokens ?? 0, usage.outputTokens ?? 0);
        }
      },
      onRunErrorEvent: ({ event }) => {
        failure = event.code === 'abort' ? 'Stopped.' : `The run failed mid-stream: ${event.message}`;
      },
      onRunFailed: ({ error }) => {
        failure ??= describeFailure(error);
      },
    };
    const forwardedProps: Record<string, unknown> = {};
    if (request.systemMessage.trim()) {
      forwardedProps.systemMessage = request.systemMessage;
    }
    if (request.temperature !== undefined) {
      forwardedProps.temperature = request.temperature;
    }
    try {
      await agent.runAgent({ tools: [LOCAL_TIME_TOOL], forwardedProps }, subscriber);
    } catch (error) {
      failure ??= describeFailure(error);
    }
    if (this.stopped) {
      failure = 'Stopped.';
    }
    if (failure) {
      view.error(failure);
      return false;
    }
    return true;
  }
}

/** Per reply (every run of it): tokens in and out, time to first token, output tokens per second. */
class ReplyStats {
  private readonly startedAt = performance.now();
  private firstAt?: number;
  private input = 0;
  private output = 0;

  first(): void {
    this.firstAt ??= performance.now();
  }

  add(input: number, output: number): void {
    this.input += input;
    this.output += output;
  }

  line(): string {
    const parts = [`${this.input} tokens in`, `${this.output} out`];
    if (this.firstAt !== undefined) {
      parts.push(`first token ${Math.round(this.firstAt - this.startedAt)} ms`);
      const seconds = (performance.now() - this.firstAt) / 1000;
      if (this.output > 0 && seconds > 0) {
        parts.push(`${(this.output / seconds).toFixed(1)} tokens/s`);
      }
    }
    return parts.join(' · ');
  }
}

/** The page's tool calls the history has not answered yet. */
function pendingCalls(messages: Message[]): ToolCall[] {
  const answered = new Set(messages.flatMap((m) => (m.role === 'tool' ? [m.toolCallId] : [])));
  return messages
    .flatMap((m) => (m.role === 'assistant' ? (m.toolCalls ?? []) : []))
    .filter((call) => call.function.name === LOCAL_TIME_TOOL.name && !answered.has(call.id));
}

function runLocalTool(): string {
  const now = new Date();
  return JSON.stringify({
    localTime: now.toLocaleString(),
    iso: now.toISOString(),
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
}

/** An HTTP error of the run (before its stream started) as a message a person can act on. */
export function describeFailure(error: unknown): string {
  const { status, payload, message } = (error ?? {}) as { status?: number; payload?: unknown; message?: string };
  const detail =
    (payload as { error?: { message?: string } } | undefined)?.error?.message ??
    (typeof payload === 'string' && payload ? payload : undefined) ??
    message ??
    String(error);
  switch (status) {
    case 401:
      return `Unauthorized (401): ${detail} Set a valid API key in Settings.`;
    case 429:
      return `Rate limited (429): ${detail}`;
    case 503:
      return `Service unavailable (503): ${detail}`;
    case undefined:
      return error instanceof TypeError ? `Cannot reach the server: ${detail}` : `Error: ${detail}`;
    default:
      return `Error ${status}: ${detail}`;
  }
}
