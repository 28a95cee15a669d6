import { sql, type Kysely } from 'kysely';
import { serialColumn, type MigrationFactory } from './kit.js';

/**
 * Alerts, the flip history that doubles as the notification outbox, webhooks with their delivery
 * log, and silences. Partial indexes keep every "what is due" question O(due).
 */
export const liveness: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('agents').addColumn('degraded_times', 'text', (c) => c.notNull().defaultTo('[]')).execute();

    await db.schema
      .createTable('alerts')
      .addColumn('alert_id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('agent_id', 'text')
      .addColumn('dedup_key', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('opened_at', 'bigint', (c) => c.notNull())
      .addColumn('acknowledged_at', 'bigint')
      .addColumn('acknowledged_by', 'text')
      .addColumn('ack_note', 'text')
      .addColumn('resolved_at', 'bigint')
      .addColumn('resolved_by', 'text')
      .addColumn('resolve_note', 'text')
      .addColumn('escalation_level', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_escalation_at', 'bigint')
      .addColumn('notified', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('digested_at', 'bigint')
      .execute();
    // One open alert per condition, enforced by the database itself, not by timing.
    await sql`CREATE UNIQUE INDEX alerts_open_dedup ON alerts (workspace_id, dedup_key) WHERE status <> 'resolved'`.execute(db);
    await sql`CREATE INDEX alerts_escalation_due ON alerts (next_escalation_at) WHERE next_escalation_at IS NOT NULL`.execute(db);
    await sql`CREATE INDEX alerts_digest_due ON alerts (workspace_id, opened_at) WHERE severity = 'P2' AND digested_at IS NULL`.execute(db);
    await db.schema.createIndex('alerts_ws_status').on('alerts').columns(['workspace_id', 'status', 'alert_id']).execute();
    await db.schema.createIndex('alerts_ws_agent').on('alerts').columns(['workspace_id', 'agent_id', 'status']).execute();

    await sql`CREATE TABLE events (
      ${serialColumn(dialect, 'seq')},
      workspace_id TEXT NOT NULL,
      agent_id TEXT,
      at BIGINT NOT NULL,
      type TEXT NOT NULL,
      from_value TEXT,
      to_value TEXT,
      reason TEXT,
      alert_id TEXT,
      payload TEXT NOT NULL DEFAULT '{}',
      dispatched_at BIGINT
    )`.execute(db);
    await db.schema.createIndex('events_agent').on('events').columns(['workspace_id', 'agent_id', 'seq']).execute();
    await sql`CREATE INDEX events_outbox ON events (seq) WHERE dispatched_at IS NULL`.execute(db);

    await db.schema
      .createTable('webhooks')
      .addColumn('webhook_id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhooks_ws').on('webhooks').columns(['workspace_id']).execute();

    await sql`CREATE TABLE webhook_deliveries (
      ${serialColumn(dialect, 'delivery_id')},
      workspace_id TEXT NOT NULL,
      webhook_id TEXT NOT NULL,
      event_seq BIGINT NOT NULL,
      event_type TEXT NOT NULL,
      body TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at BIGINT,
      last_status_code INTEGER,
      last_error TEXT,
      created_at BIGINT NOT NULL,
      delivered_at BIGINT
    )`.execute(db);
    await sql`CREATE UNIQUE INDEX deliveries_once ON webhook_deliveries (webhook_id, event_seq)`.execute(db);
    await sql`CREATE INDEX deliveries_due ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL`.execute(db);
    await db.schema.createIndex('deliveries_hook').on('webhook_deliveries').columns(['workspace_id', 'webhook_id', 'delivery_id']).execute();

    await db.schema
      .createTable('silences')
      .addColumn('silence_id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('matchers', 'text', (c) => c.notNull())
      .addColumn('starts_at', 'bigint', (c) => c.notNull())
      .addColumn('ends_at', 'bigint', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expired_handled', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('silences_ws').on('silences').columns(['workspace_id', 'ends_at']).execute();
  },
});
