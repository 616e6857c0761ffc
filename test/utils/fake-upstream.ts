import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted upstream answer. */
export interface UpstreamReply {
  content?: string;
  toolCalls?: Array<{ id?: string; name: string; arguments: string }>;
  finishReason?: 'stop' | 'length' | 'tool_calls';
  /** Answer with this HTTP status and `errorBody` instead of a completion. */
  status?: number;
  errorBody?: unknown;
  headers?: Record<string, string>;
  /** Pause between streamed chunks. */
  chunkDelayMs?: number;
  /** Stream this many chunks, then fail mid-stream by destroying the socket. */
  breakAfterChunks?: number;
  /** Leave out `usage` (some upstreams never send it). */
  omitUsage?: boolean;
  /** Send tool-call deltas without `index`, as some servers do. */
  omitToolCallIndex?: boolean;
  /** Never answer (to test timeouts and disconnects). */
  hang?: boolean;
  /** Send 200 and these headers, then nothing, ever (a silent upstream). */
  silentAfterHeaders?: boolean;
  /** Answer 200 with exactly this body and content type, whatever was asked (a broken upstream). */
  raw?: { contentType: string; body: string };
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> & { messages?: Array<Record<string, unknown>> };
  /** Resolves true when the client closed the connection before the response was complete. */
  closedEarly: Promise<boolean>;
}

export type Responder = (body: RecordedRequest['body'], index: number) => UpstreamReply;

/**
 * A real HTTP server speaking the OpenAI chat-completions wire format, for end-to-end tests. It records every
 * request (body, headers, and whether the client hung up early) and answers from a script.
 */
export class FakeUpstream {
  readonly requests: RecordedRequest[] = [];
  private server?: Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  responder: Responder = (body) => ({ content: `echo: ${lastUserText(body)}` });

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The chat-completions requests received, in order. */
  get completions(): RecordedRequest[] {
    return this.requests.filter((r) => r.url.endsWith('/chat/completions'));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let closedEarly!: (value: boolean) => void;
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: text ? (JSON.parse(text) as RecordedRequest['body']) : {},
      closedEarly: new Promise<boolean>((resolve) => (closedEarly = resolve)),
    };
    res.on('close', () => closedEarly(!res.writableFinished));
    this.requests.push(record);

    if (!record.url.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } }),
      );
      return;
    }
    const reply = this.responder(record.body, this.completions.length - 1);
    if (reply.hang) {
      return;
    }
    if (reply.silentAfterHeaders) {
      res.writeHead(200, { 'content-type': record.body.stream ? 'text/event-stream' : 'application/json' });
      res.flushHeaders();
      return;
    }
    if (reply.raw) {
      res.writeHead(200, { 'content-type': reply.raw.contentType });
      res.end(reply.raw.body);
      return;
    }
    if (reply.status && reply.status >= 400) {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.errorBody ?? { error: { message: 'upstream failure', type: 'server_error' } }));
      return;
    }
    if (record.body.stream === true) {
      await this.stream(record.body, reply, res);
    } else {
      res.writeHead(200, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(completion(record.body, reply)));
    }
  }

  private async stream(body: RecordedRequest['body'], reply: UpstreamReply, res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', ...reply.headers });
    const base = { id: 'chatcmpl-upstream', object: 'chat.completion.chunk', created: 1, model: String(body.model) };
    const frames: unknown[] = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }];
    for (const piece of (reply.content ?? '').match(/\s*\S+/g) ?? []) {
      frames.push({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    }
    for (const [index, call] of (reply.toolCalls ?? []).entries()) {
      const id = call.id ?? `call_up_${index}`;
      const withIndex = (o: Record<string, unknown>) => (reply.omitToolCallIndex ? o : { index, ...o });
      const half = Math.ceil(call.arguments.length / 2);
      frames.push({
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [withIndex({ id, type: 'function', function: { name: call.name, arguments: '' } })] },
          },
        ],
      });
      frames.push({
        ...base,
        choices: [
          { index: 0, delta: { tool_calls: [withIndex({ function: { arguments: call.arguments.slice(0, half) } })] } },
        ],
      });
      frames.push({
        ...base,
        choices: [
          { index: 0, delta: { tool_calls: [withIndex({ function: { arguments: call.arguments.slice(half) } })] } },
        ],
      });
    }
    frames.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finishReason(reply) }] });
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage && !reply.omitUsage) {
      frames.push({ ...base, choices: [], usage: usage(body, reply) });
    }
    for (const [i, frame] of frames.entries()) {
      if (res.destroyed) {
        return;
      }
      if (reply.breakAfterChunks !== undefined && i >= reply.breakAfterChunks) {
        res.destroy();
        return;
      }
      res.write(`data: ${JSON.stringify(frame)}\n\n`);
      if (reply.chunkDelayMs) {
        await new Promise((resolve) => setTimeout(resolve, reply.chunkDelayMs));
      }
    }
    res.end('data: [DONE]\n\n');
  }
}

export function lastUserText(body: RecordedRequest['body']): string {
  const user = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  const content = user?.content;
  if (typeof content === 'string') {
    return content;
  }
  if (Array.isArray(content)) {
    return (content as Array<{ type: string; text?: string }>)
      .filter((p) => p.type === 'text')
      .map((p) => p.text)
      .join(' ');
  }
  return '';
}

function finishReason(reply: UpstreamReply): string {
  return reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop');
}

function usage(body: RecordedRequest['body'], reply: UpstreamReply) {
  const prompt = JSON.stringify(body.messages ?? []).length;
  const completion = (reply.content ?? '').split(/\s+/).filter(Boolean).length + (reply.toolCalls?.length ?? 0) * 5;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function completion(body: RecordedRequest['body'], reply: UpstreamReply) {
  return {
    id: 'chatcmpl-upstream',
    object: 'chat.completion',
    created: 1,
    model: String(body.model),
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.toolCalls?.length ? (reply.content ?? null) : (reply.content ?? ''),
          ...(reply.toolCalls?.length
            ? {
                tool_calls: reply.toolCalls.map((c, i) => ({
                  id: c.id ?? `call_up_${i}`,
                  type: 'function',
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
        },
        finish_reason: finishReason(reply),
      },
    ],
    ...(reply.omitUsage ? {} : { usage: usage(body, reply) }),
  };
}
