import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The files of the built page, by the name the page asks for, with their content type. Nothing else is served. */
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'playground.js': 'text/javascript; charset=utf-8',
  'playground.js.map': 'application/json; charset=utf-8',
  'playground.js.LEGAL.txt': 'text/plain; charset=utf-8',
  'playground.css': 'text/css; charset=utf-8',
};

/**
 * The playground's own policy: its script and styles come from this server only, it talks to this server only, and
 * nothing inline runs (the Markdown it renders is sanitised, and inline styles are refused too).
 */
export const PLAYGROUND_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface PlaygroundAsset {
  body: Buffer;
  contentType: string;
}

/**
 * The built page (`npm run build` bundles web/playground into dist/playground, beside this module's compiled
 * code); from the sources (tests, ts-node) it is looked up in dist/. Read once, then kept in memory.
 */
export class PlaygroundAssets {
  private readonly cache = new Map<string, PlaygroundAsset>();
  readonly dir: string | undefined;

  constructor(candidates: string[] = [__dirname, resolve(__dirname, '..', '..', 'dist', 'playground')]) {
    this.dir = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  }

  get(name: string): PlaygroundAsset | undefined {
    const contentType = FILES[name];
    if (!contentType || !this.dir) {
      return undefined;
    }
    let asset = this.cache.get(name);
    if (!asset) {
      const path = join(this.dir, name);
      if (!existsSync(path)) {
        return undefined;
      }
      asset = { body: readFileSync(path), contentType };
      this.cache.set(name, asset);
    }
    return asset;
  }
}
