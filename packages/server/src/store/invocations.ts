import { sql, type Kysely } from 'kysely';
import type { Invocation, InvocationOutcome } from '@aetherboard/contracts';
import type { DB } from './tables.js';
import type { SpendSource } from './fleet.js';
import { iso, isoOrNull, parseJson } from './codec.js';

export interface InvocationsTable {
  workspace_id: string;
  invocation_id: string;
  agent_id: string;
  name: string | null;
  task_description: string;
  complexity_score: number;
  complexity_source: string;
  context: string;
  assignment_id: string | null;
  session_id: string | null;
  started_at: number;
  completed_at: number | null;
  outcome: string;
  outcome_summary: string | null;
  execution_time_ms: number | null;
  cpu_usage_percent: number | null;
  memory_usage_mb: number | null;
  peak_memory_mb: number | null;
  tokens_used: number | null;
  cost_usd: number | null;
  error_details: string | null;
  received_at: number;
}

export type InvocationRow = InvocationsTable;
export type InvocationDB = DB & { invocations: InvocationsTable };

/** The invocations table belongs to this module; the shared table list stays as it is. */
export const inv = (db: Kysely<DB>): Kysely<InvocationDB> => db.withTables<{ invocations: InvocationsTable }>();

/**
 * SQLite allows 32,766 bound values per statement; 24 columns × 500 rows stays well inside it
 * (and inside PostgreSQL's 65,535).
 */
const INSERT_CHUNK = 500;
const IN_CHUNK = 900;

export function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

export async function insertInvocation(db: Kysely<DB>, row: InvocationRow): Promise<boolean> {
  const r = await inv(db)
    .insertInto('invocations')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'invocation_id']).doNothing())
    .returning('invocation_id')
    .execute();
  return r.length > 0;
}

/** Inserts what is new and returns the ids actually inserted (a concurrent retry inserts nothing). */
export async function insertInvocations(db: Kysely<DB>, rows: InvocationRow[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const part of chunks(rows, INSERT_CHUNK)) {
    const r = await inv(db)
      .insertInto('invocations')
      .values(part)
      .onConflict((oc) => oc.columns(['workspace_id', 'invocation_id']).doNothing())
      .returning('invocation_id')
      .execute();
    for (const x of r) inserted.add(x.invocation_id);
  }
  return inserted;
}

export async function getInvocation(db: Kysely<DB>, ws: string, id: string): Promise<InvocationRow | undefined> {
  return inv(db).selectFrom('invocations').selectAll().where('workspace_id', '=', ws).where('invocation_id', '=', id).executeTakeFirst();
}

export interface ExistingInvocation {
  invocation_id: string;
  agent_id: string;
  outcome: string;
  started_at: number;
  execution_time_ms: number | null;
}

export async function findInvocations(db: Kysely<DB>, ws: string, ids: string[]): Promise<Map<string, ExistingInvocation>> {
  const found = new Map<string, ExistingInvocation>();
  for (const part of chunks(ids, IN_CHUNK)) {
    const rows = await inv(db)
      .selectFrom('invocations')
      .select(['invocation_id', 'agent_id', 'outcome', 'started_at', 'execution_time_ms'])
      .where('workspace_id', '=', ws)
      .where('invocation_id', 'in', part)
      .execute();
    for (const r of rows) found.set(r.invocation_id, r);
  }
  return found;
}

/**
 * Closes one invocation if it is still open or was abandoned (a late completion replaces the
 * abandonment). Answers what it replaced, or undefined when another writer closed it first.
 */
export async function closeInvocation(
  db: Kysely<DB>,
  ws: string,
  id: string,
  set: Partial<InvocationRow>,
): Promise<{ agent_id: string; outcome: string; execution_time_ms: number | null } | undefined> {
  const before = await inv(db)
    .selectFrom('invocations')
    .select(['agent_id', 'outcome', 'execution_time_ms'])
    .where('workspace_id', '=', ws)
    .where('invocation_id', '=', id)
    .executeTakeFirst();
  if (!before || (before.outcome !== 'open' && before.outcome !== 'abandoned')) return undefined;
  const r = await inv(db)
    .updateTable('invocations')
    .set(set)
    .where('workspace_id', '=', ws)
    .where('invocation_id', '=', id)
    .where('outcome', '=', before.outcome)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0 ? before : undefined;
}

export interface CounterDelta {
  total: number;
  succeeded: number;
  failed: number;
  responseMs: number;
}

export const emptyDelta = (): CounterDelta => ({ total: 0, succeeded: 0, failed: 0, responseMs: 0 });

/** The roster's `metrics` counters move with every close, in the caller's transaction. */
export async function bumpAgentCounters(db: Kysely<DB>, ws: string, agentId: string, d: CounterDelta): Promise<void> {
  if (d.total === 0 && d.succeeded === 0 && d.failed === 0 && d.responseMs === 0) return;
  await db
    .updateTable('agents')
    .set({
      total_tasks: sql<number>`total_tasks + ${d.total}`,
      successful_tasks: sql<number>`successful_tasks + ${d.succeeded}`,
      failed_tasks: sql<number>`failed_tasks + ${d.failed}`,
      total_response_ms: sql<number>`total_response_ms + ${d.responseMs}`,
    })
    .where('workspace_id', '=', ws)
    .where('agent_id', '=', agentId)
    .execute();
}

export interface OpenInvocation {
  invocation_id: string;
  agent_id: string;
  started_at: number;
}

/** Open invocations started at or before `cutoff`, oldest first, through the partial index. */
export async function openStartedBefore(db: Kysely<DB>, ws: string, cutoff: number, limit: number): Promise<OpenInvocation[]> {
  return inv(db)
    .selectFrom('invocations')
    .select(['invocation_id', 'agent_id', 'started_at'])
    .where('workspace_id', '=', ws)
    .where('completed_at', 'is', null)
    .where('started_at', '<=', cutoff)
    .orderBy('started_at')
    .limit(limit)
    .execute();
}

export interface InvocationFilter {
  agent_id?: string;
  outcome?: InvocationOutcome;
  assignment_id?: string;
  since?: number;
  until?: number;
  /** Keyset cursor: rows strictly older than this (started_at, invocation_id). */
  before?: { t: number; id: string };
  limit: number;
}

/** Newest first; ties on start time are broken by id so paging never skips or repeats a row. */
export async function listInvocations(db: Kysely<DB>, ws: string, f: InvocationFilter): Promise<InvocationRow[]> {
  let q = inv(db).selectFrom('invocations').selectAll().where('workspace_id', '=', ws);
  if (f.agent_id !== undefined) q = q.where('agent_id', '=', f.agent_id);
  if (f.outcome !== undefined) q = q.where('outcome', '=', f.outcome);
  if (f.assignment_id !== undefined) q = q.where('assignment_id', '=', f.assignment_id);
  if (f.since !== undefined) q = q.where('started_at', '>=', f.since);
  if (f.until !== undefined) q = q.where('started_at', '<', f.until);
  const b = f.before;
  if (b !== undefined) q = q.where((eb) => eb.or([eb('started_at', '<', b.t), eb.and([eb('started_at', '=', b.t), eb('invocation_id', '<', b.id)])]));
  return q.orderBy('started_at', 'desc').orderBy('invocation_id', 'desc').limit(f.limit + 1).execute();
}

export function toInvocation(r: InvocationRow): Invocation {
  const outcome = r.outcome as InvocationOutcome;
  return {
    invocation_id: r.invocation_id,
    agent_id: r.agent_id,
    name: r.name,
    task_description: r.task_description,
    complexity_score: Number(r.complexity_score),
    complexity_source: r.complexity_source as Invocation['complexity_source'],
    context: parseJson<Record<string, unknown>>(r.context, {}),
    assignment_id: r.assignment_id,
    session_id: r.session_id,
    started_at: iso(Number(r.started_at)),
    completed_at: isoOrNull(r.completed_at === null ? null : Number(r.completed_at)),
    outcome,
    success: outcome === 'open' ? null : outcome === 'success',
    outcome_summary: r.outcome_summary,
    execution_time_ms: r.execution_time_ms,
    cpu_usage_percent: r.cpu_usage_percent,
    memory_usage_mb: r.memory_usage_mb,
    peak_memory_mb: r.peak_memory_mb,
    tokens_used: r.tokens_used === null ? null : Number(r.tokens_used),
    cost_usd: r.cost_usd,
    error_details: r.error_details,
  };
}

/** Cost of invocations started since `since`, per agent: what GET /api/fleet/summary reports as spend. */
export async function spentSince(db: Kysely<DB>, ws: string, since: number, agentIds?: string[]): Promise<Map<string, number>> {
  let q = inv(db)
    .selectFrom('invocations')
    .select(['agent_id', (eb) => eb.fn.sum<number>('cost_usd').as('spent')])
    .where('workspace_id', '=', ws)
    .where('started_at', '>=', since)
    .where('cost_usd', 'is not', null);
  if (agentIds !== undefined) {
    if (agentIds.length === 0) return new Map();
    q = q.where('agent_id', 'in', agentIds);
  }
  const rows = await q.groupBy('agent_id').execute();
  return new Map(rows.map((r) => [r.agent_id, Number(r.spent ?? 0)]));
}

export const invocationSpend: SpendSource = { spentSince: (db, ws, since) => spentSince(db, ws, since) };
