import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { agentBody, makeApi, seedOrg } from '../src/test-support/harness.js';

const ROOT = 'ab_crash_test_root_key_0123456789';
const repoRoot = join(import.meta.dirname, '..', '..', '..');

function serve(db: string, port: number): Promise<{ proc: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'serve.ts')], {
      cwd: repoRoot,
      env: { ...process.env, AETHERBOARD_DB: db, AETHERBOARD_PORT: String(port), AETHERBOARD_ROOT_KEY: ROOT, AETHERBOARD_LOG_LEVEL: 'error', AETHERBOARD_RATE_LIMIT: '0', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) resolve({ proc, url: m[1]! });
    });
    proc.once('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
  });
}

describe('crash durability', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aetherboard-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged heartbeat across SIGKILL during sustained ingest', async () => {
    const db = join(dir, 'crash.db');
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const first = await serve(db, port);
    const api = makeApi(first.url, ROOT);
    await seedOrg(api);
    const AGENTS = 50;
    for (let i = 0; i < AGENTS; i++) {
      expect((await api('POST', '/api/agents', { body: agentBody(`c-${i}`) })).status).toBe(201);
      await api('POST', `/api/agents/c-${i}/transitions`, { body: { to: 'ready', reason: 'go' } });
    }
    const acked = new Set<string>();
    let seq = 0;
    let killed = false;
    // Eight writers, mixing single and batch requests, until the process dies under them.
    const writer = async (w: number) => {
      while (!killed) {
        const batch = Array.from({ length: w % 2 ? 1 : 50 }, () => {
          const n = seq++;
          return { agent_id: `c-${n % AGENTS}`, status: 'ok', work_mode: 'executing', summary: `m-${n}` };
        });
        try {
          if (batch.length === 1) {
            const { agent_id, ...beat } = batch[0]!;
            const r = await fetch(`${first.url}/api/agents/${agent_id}/heartbeat`, { method: 'POST', headers: { authorization: `Bearer ${ROOT}`, 'content-type': 'application/json' }, body: JSON.stringify(beat) });
            if (r.status === 202) acked.add(beat.summary);
          } else {
            const r = await fetch(`${first.url}/api/heartbeats`, { method: 'POST', headers: { authorization: `Bearer ${ROOT}`, 'content-type': 'application/json' }, body: JSON.stringify({ heartbeats: batch }) });
            if (r.status === 202) {
              const body = (await r.json()) as { rejected: Array<{ index: number }> };
              const bad = new Set(body.rejected.map((x) => x.index));
              batch.forEach((b, i) => !bad.has(i) && acked.add(b.summary));
            }
          }
        } catch {
          // The connection dies with the process: those beats were never acknowledged.
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await new Promise((r) => setTimeout(r, 1500));
    const exited = new Promise((r) => first.proc.once('exit', r));
    first.proc.kill('SIGKILL');
    killed = true;
    await Promise.all(writers);
    await exited;
    expect(acked.size).toBeGreaterThan(500);

    // Restart on the same file: recovery replays the WAL; then count what is there.
    const second = await serve(db, port + 1);
    const api2 = makeApi(second.url, ROOT);
    expect((await api2('GET', '/healthz')).status).toBe(200);
    const stored = new Set(
      (new BetterSqlite3(db, { readonly: true }).prepare('SELECT summary FROM heartbeats').all() as Array<{ summary: string }>).map((r) => r.summary),
    );
    const lost = [...acked].filter((m) => !stored.has(m));
    expect(lost).toEqual([]);
    // Agent rows may trail their beats at the moment of the crash (they are written behind them);
    // after the restart each agent shows its newest stored beat.
    const file = new BetterSqlite3(db, { readonly: true });
    const newestOf = file.prepare('SELECT summary, received_at FROM heartbeats WHERE agent_id = ? ORDER BY seq DESC LIMIT 1');
    for (let i = 0; i < AGENTS; i++) {
      const newest = newestOf.get(`c-${i}`) as { summary: string; received_at: number } | undefined;
      const agent = await api2('GET', `/api/agents/c-${i}`);
      expect(agent.body.last_summary).toBe(newest?.summary ?? null);
      expect(agent.body.last_seen_at).toBe(newest ? new Date(newest.received_at).toISOString() : null);
      const history = await api2('GET', `/api/agents/c-${i}/heartbeats?limit=1`);
      expect(history.body.items[0]?.summary ?? null).toBe(newest?.summary ?? null);
    }
    file.close();
    const last = await api2('GET', '/api/agents/c-0/heartbeats?limit=1');
    expect(last.status).toBe(200);
    const stopped = new Promise((r) => second.proc.once('exit', r));
    second.proc.kill('SIGTERM');
    await stopped;
  }, 60_000);
});
