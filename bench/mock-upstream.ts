/**
 * A fast mock of an OpenAI-compatible upstream on plain node:http, speaking the exact wire format.
 *
 * The request's `model` picks the reply: `mock-k<K>` answers K content pieces, `mock-k<K>-p<MS>` paces a stream with
 * MS milliseconds before each piece and before the final chunk (so K=100, MS=50 lasts 101 × 50 ms = 5.05 s).
 * `stream: false` gets one chat.completion JSON; `stream: true` gets SSE: a role chunk, K content chunks, a finish
 * chunk, a usage chunk when `stream_options.include_usage` is set, then `data: [DONE]`.
 *
 * Run as a child of the bench runner (reports its port over IPC), or import `startMockUpstream` in a test.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reportToRunner } from './bench-ipc';

interface ReplyPlan {
  model: string;
  pieces: number;
  paceMs: number;
}

const WORD = ' lorem';
let counter = 0;

function planFor(model: unknown): ReplyPlan {
  const name = typeof model === 'string' ? model : 'mock-k8';
  const match = /^mock-k(\d+)(?:-p(\d+))?$/.exec(name);
  return { model: name, pieces: match ? Number(match[1]) : 8, paceMs: match?.[2] ? Number(match[2]) : 0 };
}

function completionJson(plan: ReplyPlan, id: string, created: number, promptTokens: number): string {
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created,
    model: plan.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: WORD.repeat(plan.pieces).trimStart(), refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: promptTokens, completion_tokens: plan.pieces, total_tokens: promptTokens + plan.pieces },
  });
}

function streamReply(
  res: ServerResponse,
  plan: ReplyPlan,
  id: string,
  created: number,
  promptTokens: number,
  includeUsage: boolean,
): void {
  // Every chunk shares id/created/model; only the choices differ, so the frame is built from a prefix.
  const usageField = includeUsage ? '"usage":null,' : '';
  const prefix = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"${plan.model}","system_fingerprint":null,${usageField}"choices":[{"index":0,"delta":`;
  const frame = (delta: string, finish: string | null) =>
    `${prefix}${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
  const contentFrame = frame(`{"content":${JSON.stringify(WORD)}}`, null);
  const tail =
    frame('{}', 'stop') +
    (includeUsage
      ? `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"${plan.model}","system_fingerprint":null,"choices":[],"usage":{"prompt_tokens":${promptTokens},"completion_tokens":${plan.pieces},"total_tokens":${promptTokens + plan.pieces}}}\n\n`
      : '') +
    'data: [DONE]\n\n';

  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.write(frame('{"role":"assistant","content":""}', null));
  if (plan.paceMs === 0) {
    for (let i = 0; i < plan.pieces; i++) {
      res.write(contentFrame);
    }
    res.end(tail);
    return;
  }
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed) {
      clearInterval(timer);
      return;
    }
    if (sent < plan.pieces) {
      sent++;
      res.write(contentFrame);
      return;
    }
    clearInterval(timer);
    res.end(tail);
  }, plan.paceMs);
  res.on('close', () => clearInterval(timer));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error', param: null, code: null } }),
    );
    return;
  }
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    let body: { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } };
    const raw = Buffer.concat(parts);
    try {
      body = JSON.parse(raw.toString('utf8')) as typeof body;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: 'Bad JSON', type: 'invalid_request_error', param: null, code: null } }),
      );
      return;
    }
    const plan = planFor(body.model);
    const id = `chatcmpl-mock${(++counter).toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    // A rough token count is enough: the mock only has to report a real, non-zero usage.
    const promptTokens = Math.max(1, Math.ceil(raw.length / 4));
    if (body.stream === true) {
      streamReply(res, plan, id, created, promptTokens, body.stream_options?.include_usage === true);
      return;
    }
    const json = completionJson(plan, id, created, promptTokens);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  });
}

/** Starts the mock on 127.0.0.1 and an ephemeral port. */
export async function startMockUpstream(): Promise<{ server: Server; baseURL: string }> {
  const server = createServer({ keepAliveTimeout: 65_000 }, handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, baseURL: `http://127.0.0.1:${port}/v1` };
}

if (require.main === module) {
  void startMockUpstream().then(({ server }) => reportToRunner(server));
}
