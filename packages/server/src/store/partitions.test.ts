import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openTestDb, T0 } from '../test-support/harness.js';
import { deleteHeartbeatsBefore } from './heartbeats.js';
import { dropPartitionsBefore, ensurePartitions } from './partitions.js';

const PG = Boolean(process.env.CI || process.env.DATABASE_URL);
const DAY = 86_400_000;

describe.runIf(PG)('heartbeat partitions on PostgreSQL', () => {
  it('keeps one partition per day and drops whole days at retention', async () => {
    const t = await openTestDb('postgres');
    try {
      const db = t.database.db;
      await ensurePartitions(t.database, T0, 2);
      const names = async () =>
        (
          await sql<{ name: string }>`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            JOIN pg_namespace n ON n.oid = p.relnamespace WHERE p.relname = 'heartbeats' AND n.nspname = current_schema() ORDER BY 1`.execute(db)
        ).rows.map((r) => r.name);
      expect(await names()).toEqual(['heartbeats_default', 'heartbeats_p20260104', 'heartbeats_p20260105', 'heartbeats_p20260106', 'heartbeats_p20260107']);
      const row = (at: number) => ({ workspace_id: 'default', agent_id: 'a', received_at: at, emitted_at: null, status: 'ok', work_mode: 'idle', active_assignment_id: null, queue_depth: null, error_count_1h: null, latency_p95_ms: null, token_burn_1h: null, summary: null });
      await db.insertInto('heartbeats').values([row(T0 - DAY), row(T0), row(T0 + DAY), row(T0 - 30 * DAY)]).execute();
      const inDefault = await sql<{ n: number }>`SELECT count(*)::int AS n FROM heartbeats_default`.execute(db);
      expect(inDefault.rows[0]!.n).toBe(1);
      // Retention: everything before T0 goes; the day partitions are dropped, the default deletes rows.
      const cutoff = Math.floor(T0 / DAY) * DAY;
      expect(await dropPartitionsBefore(t.database, cutoff)).toBe(1);
      await deleteHeartbeatsBefore(t.database, cutoff, 1000);
      expect(await names()).not.toContain('heartbeats_p20260104');
      const left = await db.selectFrom('heartbeats').select('received_at').orderBy('received_at').execute();
      expect(left.map((r) => r.received_at)).toEqual([T0, T0 + DAY]);
    } finally {
      await t.cleanup();
    }
  });
});
