/**
 * The page's files, served from memory: read once at start, gzipped once, revalidated by ETag.
 * No CDN: the LAN may have no internet, so uPlot comes from node_modules like any other file.
 * index.html is served in the visitor's language (Accept-Language), so the first paint is already
 * Polish for a Polish browser.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const LANGUAGES = ['en', 'pl'] as const;
export type Language = (typeof LANGUAGES)[number];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

interface Asset {
  type: string;
  body: Buffer;
  gzip?: Buffer;
  etag: string;
}

/** From sources the files sit beside this module; the compiled package keeps them in src/web/public. */
export function publicDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'public'), path.resolve(here, '..', '..', '..', 'src', 'web', 'public')];
  const found = candidates.find((d) => existsSync(path.join(d, 'index.html')));
  if (!found) throw new Error(`the page's files are missing (looked in ${candidates.join(' and ')}): reinstall the package`);
  return found;
}

function asset(name: string, body: Buffer): Asset {
  const type = TYPES[path.extname(name)] ?? 'application/octet-stream';
  const a: Asset = { type, body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` };
  // Compressing tiny files costs more than it saves.
  if (body.length > 512) a.gzip = gzipSync(body, { level: 9 });
  return a;
}

export class StaticFiles {
  readonly #assets = new Map<string, Asset>();

  static async load(): Promise<StaticFiles> {
    const s = new StaticFiles();
    const dir = publicDir();
    for (const name of await readdir(dir)) {
      if (!TYPES[path.extname(name)]) continue;
      const body = await readFile(path.join(dir, name));
      if (name === 'index.html') {
        for (const lang of LANGUAGES)
          s.#assets.set(
            `/index.${lang}.html`,
            asset(name, Buffer.from(body.toString('utf8').replace('<html lang="en">', `<html lang="${lang}">`))),
          );
      } else {
        s.#assets.set(`/${name}`, asset(name, body));
      }
    }
    const require = createRequire(import.meta.url);
    const uplot = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
    s.#assets.set('/vendor/uPlot.iife.min.js', asset('x.js', await readFile(path.join(uplot, 'uPlot.iife.min.js'))));
    s.#assets.set('/vendor/uPlot.min.css', asset('x.css', await readFile(path.join(uplot, 'uPlot.min.css'))));
    return s;
  }

  /** Serves a file when the path is one; false when it is not (the caller answers 404). */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    if (pathname === '/' || pathname === '/index.html') {
      return this.#send(req, res, `/index.${preferredLanguage(req.headers['accept-language'])}.html`, true);
    }
    // Browsers ask for /favicon.ico whatever the page links.
    return this.#send(req, res, pathname === '/favicon.ico' ? '/icon.svg' : pathname, false);
  }

  #send(req: IncomingMessage, res: ServerResponse, key: string, varies: boolean): boolean {
    const a = this.#assets.get(key);
    if (!a) return false;
    const gzip = a.gzip !== undefined && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    const headers: Record<string, string> = {
      'Content-Type': a.type,
      ETag: gzip ? `${a.etag.slice(0, -1)}-gz"` : a.etag,
      // Always revalidate: after an update the phone gets the new page at once.
      'Cache-Control': 'no-cache',
      Vary: varies ? 'Accept-Encoding, Accept-Language' : 'Accept-Encoding',
    };
    if (req.headers['if-none-match'] === headers['ETag']) {
      res.writeHead(304, headers).end();
      return true;
    }
    const body = gzip ? a.gzip! : a.body;
    if (gzip) headers['Content-Encoding'] = 'gzip';
    headers['Content-Length'] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}

/** Polish when the browser ranks Polish above English (Accept-Language with q-values), else English. */
export function preferredLanguage(header: string | undefined): Language {
  let best: { lang: Language; q: number; order: number } | undefined;
  (header ?? '').split(',').forEach((part, order) => {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const base = tag!.split('-')[0] as Language;
    if (!LANGUAGES.includes(base)) return;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) return;
    if (!best || q > best.q || (q === best.q && order < best.order)) best = { lang: base, q, order };
  });
  return best?.lang ?? 'en';
}
