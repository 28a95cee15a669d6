import { sql } from 'kysely';
import type { Database } from './db.js';

const DAY = 86_400_000;
const PREFIX = 'heartbeats_p';

const nameOf = (dayStart: number): string => `${PREFIX}${new Date(dayStart).toISOString().slice(0, 10).replace(/-/g, '')}`;

/**
 * PostgreSQL only: one heartbeat partition per UTC day, created a few days ahead so beats never
 * fall into the default partition in normal operation.
 */
export async function ensurePartitions(database: Database, now: number, daysAhead = 3): Promise<void> {
  if (database.dialect !== 'postgres') return;
  const today = Math.floor(now / DAY) * DAY;
  for (let d = -1; d <= daysAhead; d++) {
    const from = today + d * DAY;
    try {
      await sql`CREATE TABLE IF NOT EXISTS ${sql.id(nameOf(from))} PARTITION OF heartbeats FOR VALUES FROM (${sql.lit(from)}) TO (${sql.lit(from + DAY)})`.execute(database.db);
    } catch {
      // Rows for that day already sit in the default partition (a clock far from today's, or a
      // partition dropped and written to again): they stay there and age out by row deletion.
    }
  }
}

/** Retention on PostgreSQL: whole days are dropped; only the default partition deletes rows. */
export async function dropPartitionsBefore(database: Database, cutoff: number): Promise<number> {
  const rows = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    JOIN pg_namespace n ON n.oid = p.relnamespace
    WHERE p.relname = 'heartbeats' AND n.nspname = current_schema()`.execute(database.db);
  let dropped = 0;
  for (const { name } of rows.rows) {
    const m = /^heartbeats_p(\d{4})(\d{2})(\d{2})$/.exec(name);
    if (!m) continue;
    const end = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + DAY;
    if (end <= cutoff) {
      await sql`DROP TABLE IF EXISTS ${sql.id(name)}`.execute(database.db);
      dropped += 1;
    }
  }
  return dropped;
}
