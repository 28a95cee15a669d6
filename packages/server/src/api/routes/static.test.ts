import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../app.js';
import { bootstrap } from '../../bootstrap.js';
import { ManualClock } from '../../clock.js';
import { openTestDb, ROOT_KEY, T0, type TestDb } from '../../test-support/harness.js';

async function serve(webDir: string): Promise<{ app: App; url: string }> {
  const app = createApp({ database: db.database, clock: new ManualClock(T0), logger: false, webDir });
  await app.http.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.http.server.address();
  return { app, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}

let db: TestDb;
let dir: string;
let built: { app: App; url: string };
const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;

beforeAll(async () => {
  db = await openTestDb('sqlite');
  await bootstrap(db.database, new ManualClock(T0), ROOT_KEY);
  dir = mkdtempSync(join(tmpdir(), 'aetherboard-web-'));
  mkdirSync(join(dir, 'dist', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'index.html'), '<!doctype html><title>AetherBoard</title><div id="root"></div>');
  writeFileSync(join(dir, 'dist', 'assets', 'index-abc123.js'), script);
  writeFileSync(join(dir, 'dist', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the web folder');
  built = await serve(join(dir, 'dist'));
});
afterAll(async () => {
  await built?.app.close();
  await db?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard files', () => {
  it('serves index.html at / with no-cache and a strict content security policy', async () => {
    const r = await fetch(`${built.url}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await r.text()).toContain('<div id="root">');
  });

  it('answers page paths with the app, so deep links and reloads work', async () => {
    for (const p of ['/agents/a-1', '/alerts', '/pods/pod-a?tab=x']) {
      const r = await fetch(built.url + p);
      expect(r.status, p).toBe(200);
      expect(await r.text()).toContain('<div id="root">');
    }
  });

  it('serves hashed assets as immutable, gzipped when asked, and revalidates others by ETag', async () => {
    const r = await fetch(`${built.url}/assets/index-abc123.js`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(r.headers.get('content-encoding')).toBe('gzip');
    expect(await r.text()).toBe(script);

    const f = await fetch(`${built.url}/favicon.svg`);
    expect(f.headers.get('content-type')).toBe('image/svg+xml');
    expect(f.headers.get('cache-control')).toBe('no-cache');
    const etag = f.headers.get('etag')!;
    const again = await fetch(`${built.url}/favicon.svg`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('answers 404 for a missing asset and never serves a file outside the folder', async () => {
    const r = await fetch(`${built.url}/assets/missing-1.js`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const escape = await fetch(`${built.url}/%2e%2e/secret.txt`);
    expect(escape.status).toBe(404);
    expect(await escape.text()).not.toContain('outside the web folder');
  });

  it('leaves unknown /api paths to the API: JSON 404, never the app', async () => {
    const r = await fetch(`${built.url}/api/nothing-here`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await fetch(`${built.url}/healthz`)).status).toBe(200);
  });

  it('says to build the dashboard when its folder is missing', async () => {
    const missing = await serve(join(dir, 'not-built'));
    try {
      const r = await fetch(`${missing.url}/`);
      expect(r.status).toBe(503);
      expect(await r.text()).toContain('npm run build');
      expect((await fetch(`${missing.url}/healthz`)).status).toBe(200);
    } finally {
      await missing.app.close();
    }
  });
});
