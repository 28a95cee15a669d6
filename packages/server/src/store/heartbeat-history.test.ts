import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, dialects, seedOrg, startTestServer, type TestServer } from '../test-support/harness.js';
import { migrate } from './migrations/index.js';

const DAY = 86_400_000;

describe.each(dialects())('heartbeat history on %s', (dialect) => {
  let t: TestServer;
  const beat = (id: string, summary: string) => t.api('POST', `/api/agents/${id}/heartbeat`, { body: { status: 'ok', work_mode: 'idle', summary } });
  const history = async (id: string, limit: number, cursor?: string) =>
    (await t.api('GET', `/api/agents/${id}/heartbeats?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body as {
      items: Array<{ summary: string; heartbeat_id: string; agent_id: string }>;
      next_cursor: string | null;
    };
  const all = async (id: string, limit: number) => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const p = await history(id, limit, cursor);
      for (const it of p.items) {
        expect(it.agent_id).toBe(id);
        seen.push(it.summary);
      }
      if (!p.next_cursor) return seen;
      cursor = p.next_cursor;
    }
    throw new Error('pagination did not end');
  };

  beforeAll(async () => {
    t = await startTestServer(dialect);
    await seedOrg(t.api);
    for (const id of ['h-a', 'h-b', 'h-c']) {
      expect((await t.api('POST', '/api/agents', { body: agentBody(id) })).status).toBe(201);
      await t.api('POST', `/api/agents/${id}/transitions`, { body: { to: 'ready', reason: 'go' } });
    }
  });
  afterAll(async () => t?.close());

  it('returns every beat of one agent, newest first, across pages, batches and interleaved agents', async () => {
    expect(await history('h-c', 5)).toEqual({ items: [], next_cursor: null });
    // Several beats of one agent in one batch, interleaved with another agent's.
    const r = await t.api('POST', '/api/heartbeats', {
      body: { heartbeats: ['a1', 'b1', 'a2', 'a3', 'b2'].map((s) => ({ agent_id: s[0] === 'a' ? 'h-a' : 'h-b', status: 'ok', work_mode: 'idle', summary: s })) },
    });
    expect(r.body).toEqual({ accepted: 5, rejected: [] });
    // Then single beats, each its own flush, concurrently for both agents.
    for (let i = 4; i <= 9; i++) await Promise.all([beat('h-a', `a${i}`), beat('h-b', `b${i - 1}`)]);
    const expectedA = ['a9', 'a8', 'a7', 'a6', 'a5', 'a4', 'a3', 'a2', 'a1'];
    for (const limit of [1, 2, 4, 9, 20]) expect(await all('h-a', limit)).toEqual(expectedA);
    expect(await all('h-b', 3)).toEqual(['b8', 'b7', 'b6', 'b5', 'b4', 'b3', 'b2', 'b1']);
    const first = await history('h-a', 3);
    expect(first.items.map((x) => x.summary)).toEqual(['a9', 'a8', 'a7']);
    expect(first.next_cursor).not.toBeNull();
    // A cursor taken from another agent's history gives nothing of this one.
    const fromB = (await history('h-b', 1)).next_cursor!;
    expect((await history('h-a', 5, fromB)).items).toEqual([]);
  });

  it('forgets beats past retention, and a cursor into them ends the history', async () => {
    const before = await history('h-a', 2);
    await t.api('POST', '/api/clock/advance', { body: { ms: 8 * DAY } });
    await beat('h-a', 'after');
    // Retention runs on the engine's hourly pass; one more hour makes sure it has.
    await t.api('POST', '/api/clock/advance', { body: { ms: 2 * 3_600_000 } });
    expect(await all('h-a', 5)).toEqual(['after']);
    expect((await history('h-a', 5, before.next_cursor!)).items).toEqual([]);
  });
});

describe('the SQLite heartbeat path’s cache of agents', () => {
  let t: TestServer;
  const beat = (id: string) => t.api('POST', `/api/agents/${id}/heartbeat`, { body: { status: 'ok', work_mode: 'idle' } });
  beforeAll(async () => {
    t = await startTestServer('sqlite');
    await seedOrg(t.api);
    for (const id of ['c-api', 'c-ext', 'c-sync']) {
      await t.api('POST', '/api/agents', { body: agentBody(id) });
      await t.api('POST', `/api/agents/${id}/transitions`, { body: { to: 'ready', reason: 'go' } });
    }
  });
  afterAll(async () => t?.close());

  it('answers a beat only once the fsync covering it has finished', async () => {
    const real = t.database.durable;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    t.database.durable = async () => {
      await gate;
      return real();
    };
    try {
      let answered = false;
      const pending = beat('c-sync').then((r) => ((answered = true), r));
      await new Promise((r) => setTimeout(r, 300));
      expect(answered).toBe(false);
      release();
      expect((await pending).status).toBe(202);
    } finally {
      t.database.durable = real;
    }
  });

  it('sees a change made through the API at once', async () => {
    expect((await beat('c-api')).status).toBe(202);
    expect((await t.api('POST', '/api/agents/c-api/transitions', { body: { to: 'retired', reason: 'done' } })).status).toBe(200);
    const r = await beat('c-api');
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain('retired');
  });

  it('sees a change made by another connection to the file', async () => {
    expect((await beat('c-ext')).status).toBe(202);
    const other = new BetterSqlite3(t.database.sqlite!.name);
    try {
      other.prepare("UPDATE agents SET current_state = 'archived' WHERE agent_id = 'c-ext'").run();
    } finally {
      other.close();
    }
    expect((await beat('c-ext')).status).toBe(409);
  });
});

describe('upgrading a SQLite database with history (migration 0007)', () => {
  it('links every stored beat to the same agent’s previous one and drops the per-agent index', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aetherboard-upgrade-'));
    const raw = new BetterSqlite3(join(dir, 'old.db'));
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    try {
      await migrate(db, 'sqlite', undefined, '0006_scale_out');
      const ins = raw.prepare("INSERT INTO heartbeats (workspace_id, agent_id, received_at, status, work_mode) VALUES ('w', ?, ?, 'ok', 'idle')");
      ['x', 'y', 'x', 'x', 'y', 'z'].forEach((a, i) => ins.run(a, 1000 + i));
      await migrate(db, 'sqlite');
      const rows = raw.prepare('SELECT seq, agent_id, prev_seq FROM heartbeats ORDER BY seq').all();
      expect(rows).toEqual([
        { seq: 1, agent_id: 'x', prev_seq: null },
        { seq: 2, agent_id: 'y', prev_seq: null },
        { seq: 3, agent_id: 'x', prev_seq: 1 },
        { seq: 4, agent_id: 'x', prev_seq: 3 },
        { seq: 5, agent_id: 'y', prev_seq: 2 },
        { seq: 6, agent_id: 'z', prev_seq: null },
      ]);
      const indexes = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'heartbeats'").all();
      expect(indexes).toEqual([]);
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
