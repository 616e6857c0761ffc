import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AbortedError, ApiError } from '../../errors';
import type { ModelStreamEvent } from '../../types';
import { OpenAICompatibleModel } from '../openai-compatible.model';

// The SSE body is decoded by OpenAICompatibleModel itself: these pin the rules of OpenAI's SDKs on a real socket.
describe('OpenAICompatibleModel streaming', () => {
  let server: Server;
  let reply: (res: ServerResponse) => void;
  let model: OpenAICompatibleModel;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => reply(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    model = new OpenAICompatibleModel({ model: 'm', baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'k' });
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const chunk = (delta: object, finish: string | null = null) =>
    JSON.stringify({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });

  async function collect(signal?: AbortSignal): Promise<ModelStreamEvent[]> {
    const events: ModelStreamEvent[] = [];
    for await (const event of model.stream({ messages: [{ role: 'user', content: 'hi' }] }, { signal })) {
      events.push(event);
    }
    return events;
  }

  it('reads CRLF frames split across writes, skips comments, stops at [DONE]', async () => {
    reply = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const body = `: ping\r\n\r\ndata: ${chunk({ role: 'assistant', content: 'Hel' })}\r\n\r\ndata: ${chunk({ content: 'lo' }, 'length')}\r\n\r\ndata: [DONE]\r\n\r\ndata: ${chunk({ content: 'ignored' })}\r\n\r\n`;
      const cut = body.indexOf('lo"') + 1;
      res.write(body.slice(0, cut));
      setTimeout(() => res.end(body.slice(cut)), 10);
    };
    expect(await collect()).toEqual([
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
      // The first chunk's id and model, for the `chat` span's gen_ai.response.id / gen_ai.response.model.
      { type: 'finish', finishReason: 'length', usage: undefined, responseId: 'c', responseModel: 'm' },
    ]);
  });

  it('turns an error object in the stream into a 502 of our own words, after the text already read', async () => {
    reply = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${chunk({ content: 'a' })}\n\ndata: {"error":{"message":"boom","type":"server_error"}}\n\n`);
    };
    const events: ModelStreamEvent[] = [];
    const failure = (async () => {
      for await (const event of model.stream({ messages: [{ role: 'user', content: 'hi' }] })) {
        events.push(event);
      }
    })();
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ status: 502, code: 'upstream_error' });
    await expect(failure).rejects.not.toThrow('boom');
    expect(events).toEqual([{ type: 'text', text: 'a' }]);
  });

  it('ends with AbortedError when the caller aborts mid-stream', async () => {
    const controller = new AbortController();
    reply = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${chunk({ content: 'a' })}\n\n`);
      setTimeout(() => controller.abort(), 10);
    };
    await expect(collect(controller.signal)).rejects.toBeInstanceOf(AbortedError);
  });
});
