import { sql, type Kysely } from 'kysely';
import { serialColumn, type MigrationFactory } from './kit.js';

/** Workspaces, keys, org graph, roster with its liveness columns, audit trail, work and heartbeats. */
export const foundation: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const serial = (t: string) => serialColumn(dialect, t);
    await db.schema
      .createTable('meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('workspaces')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('manager_id', 'text')
      .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('api_keys')
      .addColumn('key_id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.workspace_id'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('agent_id', 'text')
      .addColumn('member_id', 'text')
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('last_used_at', 'bigint')
      .execute();
    await db.schema
      .createTable('members')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.workspace_id'))
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('members_pk', ['workspace_id', 'member_id'])
      .execute();
    await db.schema
      .createTable('pods')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.workspace_id'))
      .addColumn('pod_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('lead_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('pods_pk', ['workspace_id', 'pod_id'])
      .execute();
    await db.schema
      .createTable('agents')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.workspace_id'))
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('agent_name', 'text', (c) => c.notNull())
      .addColumn('agent_type', 'text', (c) => c.notNull())
      .addColumn('capability_tags', 'text', (c) => c.notNull())
      .addColumn('model_profile', 'text', (c) => c.notNull())
      .addColumn('model', 'text')
      .addColumn('role', 'text')
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('secondary_owner_id', 'text')
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('pod_id', 'text')
      .addColumn('priority_tier', 'text', (c) => c.notNull())
      .addColumn('risk_level', 'text', (c) => c.notNull())
      .addColumn('cost_budget_daily', 'double precision')
      .addColumn('notes', 'text')
      .addColumn('current_state', 'text', (c) => c.notNull())
      .addColumn('state_changed_at', 'bigint', (c) => c.notNull())
      .addColumn('health', 'text', (c) => c.notNull())
      .addColumn('health_reason', 'text')
      .addColumn('health_changed_at', 'bigint', (c) => c.notNull())
      .addColumn('monitor_since', 'bigint')
      .addColumn('blocked_since', 'bigint')
      .addColumn('next_deadline', 'bigint')
      .addColumn('breach_times', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('last_seen_at', 'bigint')
      .addColumn('last_status', 'text')
      .addColumn('last_work_mode', 'text')
      .addColumn('last_summary', 'text')
      .addColumn('queue_depth', 'integer')
      .addColumn('token_burn_1h', 'integer')
      .addColumn('latency_p95_ms', 'integer')
      .addColumn('error_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('fired_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('fire_history', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('terminated_at', 'bigint')
      .addColumn('total_tasks', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('successful_tasks', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failed_tasks', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('total_response_ms', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('agents_pk', ['workspace_id', 'agent_id'])
      .execute();
    // The evaluator finds what is due through this index, never by scanning the fleet.
    await sql`CREATE INDEX agents_next_deadline ON agents (next_deadline) WHERE next_deadline IS NOT NULL`.execute(db);
    await db.schema.createIndex('agents_ws_state').on('agents').columns(['workspace_id', 'current_state']).execute();
    await db.schema.createIndex('agents_ws_health').on('agents').columns(['workspace_id', 'health']).execute();
    await db.schema.createIndex('agents_ws_team').on('agents').columns(['workspace_id', 'team_id']).execute();
    await db.schema.createIndex('agents_ws_pod').on('agents').columns(['workspace_id', 'pod_id']).execute();
    await db.schema.createIndex('agents_ws_owner').on('agents').columns(['workspace_id', 'owner_id']).execute();

    await sql`CREATE TABLE agent_transitions (
      ${serial('seq')},
      workspace_id TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      at BIGINT NOT NULL,
      from_state TEXT NOT NULL,
      to_state TEXT NOT NULL,
      actor TEXT NOT NULL,
      reason TEXT NOT NULL
    )`.execute(db);
    await db.schema.createIndex('transitions_agent').on('agent_transitions').columns(['workspace_id', 'agent_id', 'seq']).execute();

    await db.schema
      .createTable('assignments')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.workspace_id'))
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('workstream_id', 'text', (c) => c.notNull())
      .addColumn('task_id', 'text')
      .addColumn('role_on_task', 'text', (c) => c.notNull())
      .addColumn('start_at', 'bigint', (c) => c.notNull())
      .addColumn('due_at', 'bigint')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('blocker_code', 'text')
      .addColumn('percent_complete', 'integer')
      .addColumn('contract', 'text')
      .addColumn('blocked_at', 'bigint')
      .addColumn('completed_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('assignments_pk', ['workspace_id', 'assignment_id'])
      .execute();
    await db.schema.createIndex('assignments_agent').on('assignments').columns(['workspace_id', 'agent_id', 'status']).execute();
    await db.schema.createIndex('assignments_status').on('assignments').columns(['workspace_id', 'status']).execute();
    await db.schema.createIndex('assignments_completed').on('assignments').columns(['workspace_id', 'completed_at']).execute();

    await db.schema
      .createTable('sessions')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.workspace_id'))
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('session_key', 'text', (c) => c.notNull())
      .addColumn('label', 'text')
      .addColumn('channel', 'text')
      .addColumn('user_id', 'text')
      .addColumn('context_summary', 'text')
      .addColumn('message_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('last_message_at', 'bigint')
      .addColumn('ended_at', 'bigint')
      .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
      .addPrimaryKeyConstraint('sessions_pk', ['workspace_id', 'session_id'])
      .addUniqueConstraint('sessions_key_unique', ['workspace_id', 'session_key'])
      .execute();
    await db.schema.createIndex('sessions_agent').on('sessions').columns(['workspace_id', 'agent_id', 'started_at']).execute();

    await sql`CREATE TABLE heartbeats (
      ${serial('seq')},
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
    )`.execute(db);
    await db.schema.createIndex('heartbeats_agent').on('heartbeats').columns(['workspace_id', 'agent_id', 'seq']).execute();
    await db.schema.createIndex('heartbeats_received').on('heartbeats').columns(['received_at']).execute();
  },
});
