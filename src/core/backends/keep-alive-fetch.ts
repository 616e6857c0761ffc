import { Agent, type Dispatcher, request } from 'undici';

/**
 * A `fetch` for the openai SDK on `undici.request` over a keep-alive Agent: the default transport of
 * OpenAICompatibleModel.
 *
 * Why not the global fetch: every call builds a WHATWG Request, Response, AbortSignal chain and web streams, which on
 * a proxy hop costs several times the work of the hop itself (a node:http + global-fetch proxy reaches about a third
 * of the requests/s of the same proxy on `undici.request`; see BENCHMARKS.md). This fetch returns a real `Response`
 * whose body is the undici body (a Node Readable, async-iterable, which the SDK's SSE reader iterates directly) and
 * whose `json()`/`text()` read it without web streams.
 *
 * Behaviour kept from fetch, so the SDK's error handling works unchanged: failures before a response reject with
 * `TypeError('fetch failed', { cause })`; an aborted signal rejects with an `AbortError` (the reason as its cause),
 * made in the caller's realm so the SDK still recognises it (and maps its own timeout) under Jest's VM too.
 * Not supported (handed to the global fetch instead): streaming request bodies (FormData, Blob, web streams).
 * No redirects are followed: an OpenAI-compatible API does not redirect POSTs.
 */
export function createKeepAliveFetch(dispatcher: Dispatcher = sharedAgent()): typeof fetch {
  return async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request || !isPlainBody(init.body)) {
      return fetch(input, init);
    }
    const signal = init.signal ?? undefined;
    if (signal?.aborted) {
      throw abortError(signal);
    }
    let upstream: Dispatcher.ResponseData;
    try {
      upstream = await request(input, {
        dispatcher,
        method: init.method ?? 'GET',
        headers: toHeaderRecord(init.headers),
        body: init.body as string | Uint8Array | null | undefined,
        signal,
      });
    } catch (error) {
      if (signal?.aborted) {
        throw abortError(signal);
      }
      throw new TypeError('fetch failed', { cause: error });
    }
    return toResponse(upstream, String(input));
  };
}

function abortError(signal: AbortSignal): Error {
  const error = new Error('This operation was aborted', { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}

let agent: Agent | undefined;

/**
 * One Agent per process so all models share their pools. Idle connections are kept for undici's default 4 s (as with
 * the global fetch): shorter than the 5 s after which llama.cpp's server or uvicorn (vLLM) close theirs, so a request
 * never goes out on a socket the upstream is closing (a POST is not retried). No headers timeout of its own: the
 * SDK's `timeout` (our `timeoutMs`) governs the wait for an answer, which can be long for a big non-streaming
 * generation. The body timeout (5 minutes without a byte) is undici's, as with the global fetch.
 */
function sharedAgent(): Agent {
  agent ??= new Agent({ headersTimeout: 0 });
  return agent;
}

function isPlainBody(body: RequestInit['body']): boolean {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
}

function toHeaderRecord(headers: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) {
    return record;
  }
  if (headers instanceof Headers || Array.isArray(headers)) {
    for (const [name, value] of headers) {
      record[name] = value;
    }
    return record;
  }
  for (const [name, value] of Object.entries(headers)) {
    record[name] = typeof value === 'string' ? value : value.join(', ');
  }
  return record;
}

/**
 * A real Response whose body is the undici body: a Node Readable, with no web stream in between. The SDK only reads
 * `status`, `ok`, `headers`, `url`, `body` (iterated, or cancelled through its async iterator) and `json()`/`text()`;
 * those members are replaced on the instance (the DOM typings do not allow overriding them in a subclass).
 */
function toResponse(upstream: Dispatcher.ResponseData, url: string): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (Array.isArray(value)) {
      for (const item of value) {
        headers.append(name, item);
      }
    } else if (value !== undefined) {
      headers.append(name, value);
    }
  }
  const response = new Response(null, { status: upstream.statusCode, statusText: upstream.statusText ?? '', headers });
  const body = upstream.body;
  return Object.defineProperties(response, {
    url: { value: url },
    body: { value: body },
    bodyUsed: { get: () => body.bodyUsed },
    json: { value: () => body.json() },
    text: { value: () => body.text() },
    arrayBuffer: { value: () => body.arrayBuffer() },
    blob: { value: () => body.blob() },
    clone: {
      value: () => {
        throw new TypeError('This response cannot be cloned.');
      },
    },
  });
}
