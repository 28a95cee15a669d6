import { sql, type Kysely } from 'kysely';
import type { MigrationFactory } from './kit.js';

/**
 * Heartbeat history without a per-agent index on SQLite. Every beat row points at the same agent's
 * previous beat (`prev_seq`) and the agent row at its newest (`last_beat_seq`), so an agent's
 * history is a walk back along the chain, while the table itself only ever grows at its end:
 * a batch of beats writes a few sequential pages instead of one index page per agent, and the
 * cost of a beat stops growing with the size of the history. Retention deletes from the front in
 * rowid order (receive times grow with the rowid), which needs no index either.
 *
 * PostgreSQL keeps its daily partitions and per-agent index (retention drops whole partitions);
 * the columns exist there too so both databases share one schema, and stay empty.
 */
export const heartbeatChains: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE heartbeats ADD COLUMN prev_seq BIGINT`.execute(db);
    await sql`ALTER TABLE agents ADD COLUMN last_beat_seq BIGINT`.execute(db);
    if (dialect !== 'sqlite') return;
    // Link the history already stored, using the index one last time.
    await sql`
      UPDATE heartbeats SET prev_seq = x.prev
      FROM (SELECT seq, LAG(seq) OVER (PARTITION BY workspace_id, agent_id ORDER BY seq) AS prev FROM heartbeats) AS x
      WHERE heartbeats.seq = x.seq AND x.prev IS NOT NULL`.execute(db);
    await sql`
      UPDATE agents SET last_beat_seq = (SELECT max(h.seq) FROM heartbeats h WHERE h.workspace_id = agents.workspace_id AND h.agent_id = agents.agent_id)`.execute(db);
    await sql`DROP INDEX IF EXISTS heartbeats_agent`.execute(db);
    await sql`DROP INDEX IF EXISTS heartbeats_received`.execute(db);
  },
});
