import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DomainError } from '../../domain/errors.js';
import { defineRoute, type AnyRoute, type Response } from '../route.js';

/**
 * The built dashboard sits next to the server in the repository: packages/web/dist. This file is
 * at packages/server/{src,dist}/api/routes/, four levels below packages/, whether it runs from
 * source or compiled.
 */
export function defaultWebDir(): string {
  return fileURLToPath(new URL('../../../../web/dist', import.meta.url));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt']);

/** The page holds an API key: keep it out of frames and other origins, and load only our own code. */
const HTML_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AetherBoard</title>
<style>body{font:15px/1.5 system-ui,sans-serif;background:#0f172a;color:#e2e8f0;display:grid;place-items:center;height:100vh;margin:0}
main{max-width:34rem}code{background:#1e293b;padding:.1rem .35rem;border-radius:4px}</style></head>
<body><main><h1>AetherBoard</h1><p>The API is running, but the dashboard has not been built.
Run <code>npm run build</code> and reload this page.</p></main></body></html>
`;

interface CachedFile {
  mtimeMs: number;
  size: number;
  etag: string;
  body: Buffer;
  gzip: Buffer | null;
}

/** Serves the single-page dashboard: real files when they exist, index.html for any other page path. */
export function staticRoutes(opts: { webDir?: string } = {}): AnyRoute[] {
  const root = resolve(opts.webDir ?? defaultWebDir());
  const cache = new Map<string, CachedFile>();

  const load = async (file: string): Promise<CachedFile | null> => {
    const st = await stat(file).catch(() => null);
    if (!st || !st.isFile()) return null;
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
    const body = await readFile(file);
    const entry: CachedFile = {
      mtimeMs: st.mtimeMs,
      size: st.size,
      etag: `"${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}"`,
      body,
      gzip: COMPRESSIBLE.has(extname(file)) && body.length > 1024 ? gzipSync(body) : null,
    };
    if (cache.size > 500) cache.clear();
    cache.set(file, entry);
    return entry;
  };

  return [
    defineRoute({
      method: 'GET',
      url: '/*',
      tag: 'dashboard',
      summary: 'The dashboard (static files, with index.html for page paths)',
      access: 'public',
      hidden: true,
      responses: { 200: { description: 'a file of the dashboard', contentType: 'text/html' } },
      handler: async ({ raw }): Promise<Response> => {
        let path: string;
        try {
          path = decodeURIComponent((raw.url.split('?')[0] ?? '/').replace(/^\/+/, ''));
        } catch {
          throw new DomainError('validation_failed', 'the path is not valid percent-encoding');
        }
        // Unknown API paths stay JSON 404s; the dashboard never shadows the API.
        if (path === 'api' || path.startsWith('api/')) throw new DomainError('not_found', `no route GET /${path}`);
        if (!existsSync(join(root, 'index.html'))) {
          return { status: 503, headers: { 'content-type': TYPES['.html']!, 'cache-control': 'no-store' }, body: NOT_BUILT };
        }
        const rel = normalize(path);
        const target = resolve(root, rel);
        const inside = target === root || target.startsWith(root + sep);
        let file = inside && path !== '' ? await load(target) : null;
        let served = target;
        if (!file) {
          // A missing asset is a 404; a missing page is the app's own route, so it gets the app.
          if (extname(path) !== '') throw new DomainError('not_found', `no file /${path}`);
          served = join(root, 'index.html');
          file = await load(served);
          if (!file) throw new DomainError('not_found', 'the dashboard has no index.html');
        }
        const ext = extname(served);
        const headers: Record<string, string> = {
          'content-type': TYPES[ext] ?? 'application/octet-stream',
          etag: file.etag,
          'x-content-type-options': 'nosniff',
          // Vite puts a content hash in every name under assets/, so those never change; the rest must revalidate.
          'cache-control': rel.startsWith(`assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
          vary: 'accept-encoding',
        };
        if (ext === '.html') Object.assign(headers, HTML_HEADERS);
        if (raw.headers['if-none-match'] === file.etag) return { status: 304, headers };
        const acceptsGzip = /\bgzip\b/.test(String(raw.headers['accept-encoding'] ?? ''));
        if (file.gzip && acceptsGzip) {
          headers['content-encoding'] = 'gzip';
          return { status: 200, headers, body: file.gzip };
        }
        return { status: 200, headers, body: file.body };
      },
    }),
  ];
}
