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
 * A real Response (`instanceof Response`, status and `ok` from its own init) whose body is the undici body: a Node
 * Readable, with no web stream in between, and whose headers are read from undici's header object as asked. The SDK
 * only reads `status`, `ok`, `headers`, `url`, `body` (iterated, or cancelled through its async iterator) and
 * `json()`/`text()`. Those members are overridden once on the prototype (the DOM typings do not allow overriding them
 * in a subclass body): building a WHATWG Headers and defining the members per response cost ~45 µs per call, more than
 * the undici request itself.
 */
function toResponse(upstream: Dispatcher.ResponseData, url: string): Response {
  return new UpstreamResponse(upstream, url);
}

type RawHeaders = Dispatcher.ResponseData['headers'];

const UPSTREAM = Symbol('upstream');
const URL_OF = Symbol('url');
const HEADERS = Symbol('headers');
const RAW = Symbol('raw');

class UpstreamResponse extends Response {
  [UPSTREAM]: Dispatcher.ResponseData;
  [URL_OF]: string;
  [HEADERS]?: UpstreamHeaders;

  constructor(upstream: Dispatcher.ResponseData, url: string) {
    super(null, { status: upstream.statusCode, statusText: upstream.statusText ?? '' });
    this[UPSTREAM] = upstream;
    this[URL_OF] = url;
  }
}

/** `json()`, `text()`, ...: read straight from the undici body. */
function bodyReaders(names: Array<'json' | 'text' | 'arrayBuffer' | 'blob'>): PropertyDescriptorMap {
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        value(this: UpstreamResponse) {
          return this[UPSTREAM].body[name]();
        },
      },
    ]),
  );
}

Object.defineProperties(UpstreamResponse.prototype, {
  url: {
    get(this: UpstreamResponse) {
      return this[URL_OF];
    },
  },
  headers: {
    get(this: UpstreamResponse) {
      return (this[HEADERS] ??= new UpstreamHeaders(this[UPSTREAM].headers));
    },
  },
  body: {
    get(this: UpstreamResponse) {
      return this[UPSTREAM].body;
    },
  },
  bodyUsed: {
    get(this: UpstreamResponse) {
      return this[UPSTREAM].body.bodyUsed;
    },
  },
  ...bodyReaders(['json', 'text', 'arrayBuffer', 'blob']),
  clone: {
    value() {
      throw new TypeError('This response cannot be cloned.');
    },
  },
});

/**
 * The response's headers, read-only as a fetch Response's are, over undici's object (lower-case names, repeated
 * headers as arrays, joined with ", " as the Headers class joins them). `instanceof Headers` for code that checks.
 * Its members are overridden on the prototype, as the Response's are.
 */
class UpstreamHeaders extends Headers {
  [RAW]: RawHeaders;

  constructor(raw: RawHeaders) {
    super();
    this[RAW] = raw;
  }
}

function headerValue(raw: RawHeaders, name: string): string | null {
  const value = raw[name.toLowerCase()];
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}

/** Sorted by name, as the Headers class iterates. */
function headerList(raw: RawHeaders): Array<[string, string]> {
  const list: Array<[string, string]> = [];
  for (const name of Object.keys(raw).sort()) {
    const value = headerValue(raw, name);
    if (value !== null) {
      list.push([name, value]);
    }
  }
  return list;
}

const immutable = () => {
  throw new TypeError('immutable');
};

Object.defineProperties(UpstreamHeaders.prototype, {
  get: {
    value(this: UpstreamHeaders, name: string) {
      return headerValue(this[RAW], name);
    },
  },
  has: {
    value(this: UpstreamHeaders, name: string) {
      return headerValue(this[RAW], name) !== null;
    },
  },
  getSetCookie: {
    value(this: UpstreamHeaders) {
      const value = this[RAW]['set-cookie'];
      return value === undefined ? [] : Array.isArray(value) ? [...value] : [value];
    },
  },
  forEach: {
    value(this: UpstreamHeaders, callback: (value: string, name: string, parent: Headers) => void, thisArg?: unknown) {
      for (const [name, value] of headerList(this[RAW])) {
        callback.call(thisArg, value, name, this);
      }
    },
  },
  entries: {
    value(this: UpstreamHeaders) {
      return headerList(this[RAW])[Symbol.iterator]();
    },
  },
  [Symbol.iterator]: {
    value(this: UpstreamHeaders) {
      return headerList(this[RAW])[Symbol.iterator]();
    },
  },
  keys: {
    value(this: UpstreamHeaders) {
      return headerList(this[RAW])
        .map(([name]) => name)
        [Symbol.iterator]();
    },
  },
  values: {
    value(this: UpstreamHeaders) {
      return headerList(this[RAW])
        .map(([, value]) => value)
        [Symbol.iterator]();
    },
  },
  set: { value: immutable },
  append: { value: immutable },
  delete: { value: immutable },
});
