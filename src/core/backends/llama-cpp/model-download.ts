import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { checkGgufFile } from './gguf-check';

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  totalBytes?: number;
}

export interface ModelDownloadOptions {
  /** Where downloaded models are kept; default `LLAMA_MODEL_DIR`, else `~/.cache/chat-agent-server/models`. */
  dir?: string;
  /** Give up connecting (and on a silent connection) after this long. Default 15 s. */
  connectTimeoutMs?: number;
  /** Default: a bar on an interactive terminal, else nothing (pass `onLog` for progress lines). */
  onProgress?: (progress: DownloadProgress) => void;
  /** Log lines (start, progress every 10%, done), e.g. to the service logger. */
  onLog?: (message: string) => void;
  signal?: AbortSignal;
}

/** The model could not be obtained; the message says how to supply one by hand. */
export class ModelDownloadError extends Error {
  constructor(url: string, reason: string, target: string, options?: { cause?: unknown }) {
    super(
      `Could not download the model from ${url}: ${reason}. To run offline, download the GGUF file elsewhere and ` +
        `either set LLAMA_MODEL=/path/to/model.gguf or place it at ${target}.`,
      options,
    );
    this.name = 'ModelDownloadError';
  }
}

export function defaultModelDir(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'chat-agent-server', 'models');
}

export function isModelUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

/** The cache file name for a URL: its last path segment, made safe. */
export function cacheFileName(url: string): string {
  const name = basename(new URL(url).pathname) || 'model.gguf';
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe.endsWith('.gguf') ? safe : `${safe}.gguf`;
}

/**
 * Returns the local path of the model at `url`, downloading it once into the cache folder.
 *
 * The bytes go to `<name>.part` and become `<name>` only after the size and the GGUF header check out, so a cut
 * download is never loaded as a model; the next start resumes the `.part` file with an HTTP Range request.
 */
export async function downloadModel(url: string, options: ModelDownloadOptions = {}): Promise<string> {
  const dir = options.dir ?? process.env.LLAMA_MODEL_DIR ?? defaultModelDir();
  const target = join(dir, cacheFileName(url));
  if (await exists(target)) {
    return target;
  }
  await mkdir(dir, { recursive: true });
  const part = `${target}.part`;
  const log = options.onLog ?? (() => undefined);
  const onProgress = options.onProgress ?? (process.stderr.isTTY ? terminalBar() : undefined);

  let attemptsLeft = 2;
  for (;;) {
    const offset = (await stat(part).catch(() => undefined))?.size ?? 0;
    try {
      log(offset > 0 ? `Resuming download of ${url} at byte ${offset}` : `Downloading ${url} to ${target}`);
      await fetchToFile(url, part, offset, { ...options, onProgress, onLog: log }, target);
      break;
    } catch (error) {
      // A connection cut mid-body is worth one immediate resume; anything else is reported now.
      if (error instanceof CutConnectionError && attemptsLeft-- > 0 && !options.signal?.aborted) {
        log(`Download interrupted (${error.message}); resuming`);
        continue;
      }
      throw error instanceof ModelDownloadError
        ? error
        : new ModelDownloadError(url, (error as Error).message, target, { cause: error });
    }
  }
  try {
    await checkGgufFile(part);
  } catch (error) {
    await rm(part, { force: true });
    throw new ModelDownloadError(url, (error as Error).message, target, { cause: error });
  }
  await rename(part, target);
  log(`Model saved to ${target}`);
  return target;
}

class CutConnectionError extends Error {}

interface FetchOptions extends ModelDownloadOptions {
  onLog: (message: string) => void;
}

async function fetchToFile(
  url: string,
  part: string,
  offset: number,
  options: FetchOptions,
  target: string,
  redirects = 0,
): Promise<void> {
  const response = await get(url, offset, options);

  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400 && response.headers.location) {
    response.resume();
    if (redirects >= 5) {
      throw new ModelDownloadError(url, 'too many redirects', target);
    }
    return fetchToFile(
      new URL(response.headers.location, url).toString(),
      part,
      offset,
      options,
      target,
      redirects + 1,
    );
  }
  if (status === 416 && offset > 0) {
    // The server says our partial file is already complete or longer than the resource: start over.
    response.resume();
    await rm(part, { force: true });
    return fetchToFile(url, part, 0, options, target, redirects);
  }
  if (status !== 200 && status !== 206) {
    response.resume();
    throw new ModelDownloadError(url, `the server answered HTTP ${status}`, target);
  }
  // A 200 to a Range request means the server ignores ranges: the body is the whole file again.
  const start = status === 206 ? offset : 0;
  const length = Number(response.headers['content-length']);
  const total = Number.isFinite(length) ? start + length : undefined;

  const received = await writeBody(response, part, start, total, target, options);
  if (total !== undefined && received < total) {
    throw new CutConnectionError(`the connection closed after ${received} of ${total} bytes`);
  }
}

function get(url: string, offset: number, options: FetchOptions): Promise<http.IncomingMessage> {
  const timeoutMs = options.connectTimeoutMs ?? 15_000;
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const request = client.get(
      url,
      {
        headers: { 'user-agent': 'chat-agent-server', ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
        signal: options.signal,
      },
      resolve,
    );
    // One timer covers connecting and any silence on the socket, so an offline machine fails fast, never hangs.
    request.setTimeout(timeoutMs, () =>
      request.destroy(new Error(`no answer within ${timeoutMs} ms (is the machine offline?)`)),
    );
    request.on('error', reject);
  });
}

/** Appends the body to the partial file from `start`, reporting progress; the bytes the file then holds. */
async function writeBody(
  response: http.IncomingMessage,
  part: string,
  start: number,
  total: number | undefined,
  target: string,
  options: FetchOptions,
): Promise<number> {
  let received = start;
  let nextLogAt = 0.1;
  const out = createWriteStream(part, { flags: start > 0 ? 'a' : 'w' });
  try {
    await new Promise<void>((resolve, reject) => {
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        options.onProgress?.({ file: target, receivedBytes: received, totalBytes: total });
        if (total && received / total >= nextLogAt) {
          options.onLog(`Downloaded ${Math.floor((received / total) * 100)}% (${formatBytes(received)})`);
          nextLogAt = Math.floor((received / total) * 10) / 10 + 0.1;
        }
      });
      response.on('aborted', () => reject(new CutConnectionError('the connection was cut')));
      response.on('error', (error) => reject(new CutConnectionError(error.message)));
      response.on('end', resolve);
      response.pipe(out, { end: false });
    });
  } finally {
    response.unpipe(out);
    await new Promise<void>((resolve) => out.end(resolve));
  }
  return received;
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() ?? false;
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(2)} GiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

/** A one-line progress bar redrawn in place on an interactive terminal. */
function terminalBar(): (progress: DownloadProgress) => void {
  let lastDraw = 0;
  return ({ receivedBytes, totalBytes }) => {
    const now = Date.now();
    const done = totalBytes !== undefined && receivedBytes >= totalBytes;
    if (now - lastDraw < 200 && !done) {
      return;
    }
    lastDraw = now;
    const ratio = totalBytes ? Math.min(receivedBytes / totalBytes, 1) : 0;
    const width = 30;
    const filled = Math.round(ratio * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const size = totalBytes ? `${formatBytes(receivedBytes)} / ${formatBytes(totalBytes)}` : formatBytes(receivedBytes);
    process.stderr.write(`\r${bar} ${Math.floor(ratio * 100)}% ${size}${done ? '\n' : ''}`);
  };
}
