import { sql, type Kysely } from 'kysely';
import type { MigrationFactory } from './kit.js';

/**
 * Agent invocations (seed 004): one row from start to completion. `completed_at IS NULL` means
 * open; the partial index lets the abandonment sweep find overdue ones without touching the rest.
 */
export const invocations: MigrationFactory = () => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('invocations')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('invocation_id', 'text', (c) => c.notNull())
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('task_description', 'text', (c) => c.notNull())
      .addColumn('complexity_score', 'integer', (c) => c.notNull())
      .addColumn('complexity_source', 'text', (c) => c.notNull())
      .addColumn('context', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('assignment_id', 'text')
      .addColumn('session_id', 'text')
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('completed_at', 'bigint')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('outcome_summary', 'text')
      .addColumn('execution_time_ms', 'double precision')
      .addColumn('cpu_usage_percent', 'double precision')
      .addColumn('memory_usage_mb', 'double precision')
      .addColumn('peak_memory_mb', 'double precision')
      .addColumn('tokens_used', 'bigint')
      .addColumn('cost_usd', 'double precision')
      .addColumn('error_details', 'text')
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('invocations_pk', ['workspace_id', 'invocation_id'])
      .execute();
    // Per-agent listings, metrics and spend read a range of one agent's start times.
    await db.schema.createIndex('invocations_agent_started').on('invocations').columns(['workspace_id', 'agent_id', 'started_at']).execute();
    // Team, pod and workspace analytics read a range of start times across agents.
    await db.schema.createIndex('invocations_ws_started').on('invocations').columns(['workspace_id', 'started_at']).execute();
    await sql`CREATE INDEX invocations_open ON invocations (workspace_id, started_at) WHERE completed_at IS NULL`.execute(db);
  },
});
