import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './db.js';
import type { Agent, AgentListQuery, FireRecord, Transition } from '@aetherboard/contracts';
import type { AgentsTable, DB } from './tables.js';
import { iso, isoOrNull, parseJson } from './codec.js';

export type AgentRow = Selectable<AgentsTable>;

export async function insertAgent(db: Kysely<DB>, row: AgentRow): Promise<void> {
  await db.insertInto('agents').values(row).execute();
}

export async function getAgent(db: Kysely<DB>, ws: string, agentId: string, opts: { forUpdate?: boolean; dialect?: string } = {}): Promise<AgentRow | undefined> {
  let q = db.selectFrom('agents').selectAll().where('workspace_id', '=', ws).where('agent_id', '=', agentId);
  if (opts.forUpdate && opts.dialect === 'postgres') q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function agentExists(db: Kysely<DB>, ws: string, agentId: string): Promise<boolean> {
  const r = await db.selectFrom('agents').select('agent_id').where('workspace_id', '=', ws).where('agent_id', '=', agentId).executeTakeFirst();
  return r !== undefined;
}

export async function updateAgent(db: Kysely<DB>, ws: string, agentId: string, patch: Partial<AgentRow>): Promise<void> {
  await db.updateTable('agents').set(patch).where('workspace_id', '=', ws).where('agent_id', '=', agentId).execute();
}

export async function listAgents(db: Kysely<DB>, ws: string, q: Omit<AgentListQuery, 'cursor'> & { after?: string }): Promise<AgentRow[]> {
  let s = db.selectFrom('agents').selectAll().where('workspace_id', '=', ws);
  if (q.state) s = s.where('current_state', '=', q.state);
  if (q.health) s = s.where('health', '=', q.health);
  if (q.team_id) s = s.where('team_id', '=', q.team_id);
  if (q.pod_id) s = s.where('pod_id', '=', q.pod_id);
  if (q.priority_tier) s = s.where('priority_tier', '=', q.priority_tier);
  if (q.owner_id) s = s.where('owner_id', '=', q.owner_id);
  if (q.after !== undefined) s = s.where('agent_id', '>', q.after);
  return s.orderBy('agent_id').limit(q.limit + 1).execute();
}

export async function insertTransition(
  db: Kysely<DB>,
  t: { workspace_id: string; agent_id: string; at: number; from_state: string; to_state: string; actor: string; reason: string },
): Promise<void> {
  await db.insertInto('agent_transitions').values(t).execute();
}

export async function listTransitions(db: Kysely<DB>, ws: string, agentId: string, f: { before?: number; limit: number; order: 'asc' | 'desc' }) {
  let q = db.selectFrom('agent_transitions').selectAll().where('workspace_id', '=', ws).where('agent_id', '=', agentId);
  if (f.before !== undefined) q = q.where('seq', f.order === 'desc' ? '<' : '>', f.before);
  return q.orderBy('seq', f.order).limit(f.limit + 1).execute();
}

export function toTransition(r: Selectable<DB['agent_transitions']>): Transition {
  return {
    transition_id: String(r.seq),
    agent_id: r.agent_id,
    at: iso(r.at),
    from: r.from_state as Transition['from'],
    to: r.to_state as Transition['to'],
    actor: r.actor,
    reason: r.reason,
  };
}

export function toAgent(r: AgentRow): Agent {
  const fireHistory = parseJson<FireRecord[]>(r.fire_history, []);
  return {
    agent_id: r.agent_id,
    agent_name: r.agent_name,
    agent_type: r.agent_type as Agent['agent_type'],
    capability_tags: parseJson<string[]>(r.capability_tags, []),
    model_profile: r.model_profile,
    model: r.model,
    role: r.role,
    owner_id: r.owner_id,
    secondary_owner_id: r.secondary_owner_id,
    team_id: r.team_id,
    pod_id: r.pod_id,
    priority_tier: r.priority_tier as Agent['priority_tier'],
    risk_level: r.risk_level as Agent['risk_level'],
    cost_budget_daily: r.cost_budget_daily,
    notes: r.notes,
    current_state: r.current_state as Agent['current_state'],
    state_changed_at: iso(r.state_changed_at),
    health: r.health as Agent['health'],
    health_reason: r.health_reason,
    last_seen_at: isoOrNull(r.last_seen_at),
    last_status: r.last_status as Agent['last_status'],
    last_work_mode: r.last_work_mode as Agent['last_work_mode'],
    last_summary: r.last_summary,
    queue_depth: r.queue_depth,
    latency_p95_ms: r.latency_p95_ms,
    token_burn_1h: r.token_burn_1h,
    error_count: r.error_count,
    last_error: r.last_error,
    fired_count: r.fired_count,
    fire_history: fireHistory,
    terminated_at: isoOrNull(r.terminated_at),
    metrics: {
      total_tasks: r.total_tasks,
      successful_tasks: r.successful_tasks,
      failed_tasks: r.failed_tasks,
      avg_response_time_ms: r.total_tasks > 0 ? Math.round((r.total_response_ms / r.total_tasks) * 100) / 100 : 0,
    },
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

type DueKey = { workspace_id: string; agent_id: string };
const deadlineReads = new WeakMap<object, { due: BetterSqlite3.Statement; earliest: BetterSqlite3.Statement }>();

/**
 * The engine's two reads of the deadline index. On SQLite they go straight to the connection,
 * without first flushing the rows the heartbeat path holds back (store/heartbeats.ts): those only
 * ever move a deadline later, so what is read here is early at worst, and the engine re-reads
 * each agent it picks, which does flush. A pass every few hundred milliseconds would otherwise
 * cut every hold short.
 */
function sqliteDeadlineReads(database: Database) {
  const raw = database.sqlite!;
  let s = deadlineReads.get(raw);
  if (!s) {
    s = {
      due: raw.prepare('SELECT workspace_id, agent_id FROM agents WHERE next_deadline IS NOT NULL AND next_deadline <= ? ORDER BY next_deadline LIMIT ?'),
      earliest: raw.prepare('SELECT next_deadline FROM agents WHERE next_deadline IS NOT NULL ORDER BY next_deadline LIMIT 1').pluck(),
    };
    deadlineReads.set(raw, s);
  }
  return s;
}

/** Agents whose stored deadline has passed, oldest first. */
export async function dueAgents(database: Database, now: number, limit: number): Promise<DueKey[]> {
  if (database.dialect === 'sqlite') return sqliteDeadlineReads(database).due.all(now, limit) as DueKey[];
  return database.db
    .selectFrom('agents')
    .select(['workspace_id', 'agent_id'])
    .where('next_deadline', 'is not', null)
    .where('next_deadline', '<=', now)
    .orderBy('next_deadline')
    .limit(limit)
    .execute();
}

/** The earliest stored deadline of any agent. */
export async function earliestDeadline(database: Database): Promise<number | null> {
  if (database.dialect === 'sqlite') return (sqliteDeadlineReads(database).earliest.get() as number | undefined) ?? null;
  const r = await database.db.selectFrom('agents').select('next_deadline').where('next_deadline', 'is not', null).orderBy('next_deadline').limit(1).executeTakeFirst();
  return r?.next_deadline ?? null;
}
