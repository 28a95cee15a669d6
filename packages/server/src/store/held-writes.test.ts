import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0, agentBody, seedOrg, startTestServer, type TestServer } from '../test-support/harness.js';
import { openDatabase } from './db.js';
import { LIVENESS_APPLIED_KEY } from './heartbeats.js';

/**
 * The SQLite heartbeat path writes a routine beat's agent row after the beat (store/heartbeats.ts):
 * nobody may ever see the difference, and a crash may lose nothing of it.
 */
describe('agent rows held back by the SQLite heartbeat path', () => {
  let t: TestServer;
  const S = 1000;
  const beat = (id: string, summary: string) => t.api('POST', `/api/agents/${id}/heartbeat`, { body: { status: 'ok', work_mode: 'executing', summary, queue_depth: 3 } });
  /** What is in the file, read by another connection (which never flushes anything). */
  const stored = (id: string) => {
    const other = new BetterSqlite3(t.database.sqlite!.name, { readonly: true });
    try {
      return other.prepare('SELECT last_summary, last_seen_at, last_beat_seq, next_deadline, health FROM agents WHERE agent_id = ?').get(id) as {
        last_summary: string | null;
        last_seen_at: number | null;
        last_beat_seq: number | null;
        next_deadline: number | null;
        health: string;
      };
    } finally {
      other.close();
    }
  };

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    await seedOrg(t.api);
    for (const id of ['w-read', 'w-crash', 'w-early']) {
      expect((await t.api('POST', '/api/agents', { body: agentBody(id, { priority_tier: 'P1' }) })).status).toBe(201);
      await t.api('POST', `/api/agents/${id}/transitions`, { body: { to: 'ready', reason: 'go' } });
    }
  });
  afterAll(async () => t?.close());

  it('holds a routine beat’s row, and every read through the server sees the beat at once', async () => {
    expect((await beat('w-read', 'first')).status).toBe(202);
    // The beat is in the file; its agent's row is not yet.
    expect(stored('w-read').last_summary).toBeNull();
    const agent = await t.api('GET', '/api/agents/w-read');
    expect(agent.body).toMatchObject({ last_summary: 'first', queue_depth: 3, last_seen_at: new Date(T0).toISOString(), health: 'healthy' });
    // The read wrote it first.
    expect(stored('w-read').last_summary).toBe('first');
    expect((await beat('w-read', 'second')).status).toBe(202);
    const hist = await t.api('GET', '/api/agents/w-read/heartbeats?limit=5');
    expect(hist.body.items.map((h: { summary: string }) => h.summary)).toEqual(['second', 'first']);
    const list = await t.api('GET', '/api/agents?limit=100');
    expect(list.body.items.find((a: { agent_id: string }) => a.agent_id === 'w-read').last_summary).toBe('second');
  });

  it('rebuilds held rows from the stored beats after a crash', async () => {
    expect((await beat('w-crash', 'one')).status).toBe(202);
    expect((await beat('w-crash', 'two')).status).toBe(202);
    // A crash image: the file as a killed process leaves it (every acknowledged commit is in the WAL).
    const file = t.database.sqlite!.name;
    const dir = mkdtempSync(join(tmpdir(), 'aetherboard-held-'));
    try {
      const copy = join(dir, 'crashed.db');
      copyFileSync(file, copy);
      if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
      const before = new BetterSqlite3(copy);
      const newest = before.prepare("SELECT max(seq) AS seq FROM heartbeats WHERE agent_id = 'w-crash'").get() as { seq: number };
      expect((before.prepare("SELECT last_summary FROM agents WHERE agent_id = 'w-crash'").get() as { last_summary: string | null }).last_summary).toBeNull();
      before.close();

      const reopened = await openDatabase({ file: copy, sqliteSync: 'normal' });
      try {
        const raw = reopened.sqlite!;
        const row = raw.prepare("SELECT last_summary, last_seen_at, queue_depth, last_beat_seq FROM agents WHERE agent_id = 'w-crash'").get();
        expect(row).toEqual({ last_summary: 'two', last_seen_at: T0, queue_depth: 3, last_beat_seq: newest.seq });
        const applied = raw.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(LIVENESS_APPLIED_KEY);
        expect(Number(applied)).toBe((raw.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'heartbeats'").pluck().get() as number) ?? 0);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves an earlier deadline in place, which only makes the engine look early', async () => {
    const start = stored('w-early');
    expect(start.next_deadline).not.toBeNull();
    // Half an interval later the agent beats: its real deadline moves on, the stored one stays.
    await t.api('POST', '/api/clock/advance', { body: { ms: 90 * S } });
    expect((await beat('w-early', 'on time')).status).toBe(202);
    expect(stored('w-early').next_deadline).toBe(start.next_deadline);
    // Past the stored deadline, short of the real one: the engine looks, finds nothing due.
    await t.api('POST', '/api/clock/advance', { body: { ms: start.next_deadline! - (T0 + 90 * S) + S } });
    const agent = await t.api('GET', '/api/agents/w-early');
    expect(agent.body.health).toBe('healthy');
    const after = stored('w-early');
    expect(after.health).toBe('healthy');
    expect(after.next_deadline).toBeGreaterThan(start.next_deadline!);
    const alerts = await t.api('GET', '/api/alerts?agent_id=w-early');
    expect(alerts.body.items).toEqual([]);
  });
});
