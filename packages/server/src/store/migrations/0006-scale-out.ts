import { sql, type Kysely } from 'kysely';
import type { MigrationFactory } from './kit.js';

/**
 * Scale-out: the engine lease (leadership with a fencing epoch), and on PostgreSQL heartbeat
 * history partitioned by day so retention drops partitions instead of deleting rows.
 */
export const scaleOut: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('epoch', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    if (dialect !== 'postgres') return;
    await sql`ALTER TABLE heartbeats RENAME TO heartbeats_unpartitioned`.execute(db);
    await sql`ALTER SEQUENCE heartbeats_seq_seq OWNED BY NONE`.execute(db);
    await sql`CREATE TABLE heartbeats (
      seq BIGINT NOT NULL DEFAULT nextval('heartbeats_seq_seq'),
      workspace_id TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      received_at BIGINT NOT NULL,
      emitted_at BIGINT,
      status TEXT NOT NULL,
      work_mode TEXT NOT NULL,
      active_assignment_id TEXT,
      queue_depth INTEGER,
      error_count_1h INTEGER,
      latency_p95_ms INTEGER,
      token_burn_1h INTEGER,
      summary TEXT
    ) PARTITION BY RANGE (received_at)`.execute(db);
    // Beats outside every daily partition land here; retention deletes from it row by row.
    await sql`CREATE TABLE heartbeats_default PARTITION OF heartbeats DEFAULT`.execute(db);
    await sql`INSERT INTO heartbeats SELECT seq, workspace_id, agent_id, received_at, emitted_at, status, work_mode, active_assignment_id,
      queue_depth, error_count_1h, latency_p95_ms, token_burn_1h, summary FROM heartbeats_unpartitioned`.execute(db);
    await sql`ALTER SEQUENCE heartbeats_seq_seq OWNED BY heartbeats.seq`.execute(db);
    await sql`DROP TABLE heartbeats_unpartitioned`.execute(db);
    await sql`CREATE INDEX heartbeats_agent ON heartbeats (workspace_id, agent_id, seq)`.execute(db);
    await sql`CREATE INDEX heartbeats_received ON heartbeats (received_at)`.execute(db);
  },
});
