import { sql, type Kysely, type RawBuilder } from 'kysely';
import { CLOSED_STATES } from '../domain/lifecycle.js';
import type { DB } from './tables.js';
import { inv } from './invocations.js';
import { PERIOD_MS, PERIOD_OFFSET, type InvocationSums, type Period } from '../domain/efficiency.js';

/** Whose invocations: one agent, a team's or a pod's agents (as they are filed now), or everyone. */
export type Scope = { kind: 'agent'; agent_id: string } | { kind: 'team'; team_id: string } | { kind: 'pod'; pod_id: string } | { kind: 'workspace' };

/** The aggregate columns of one window; `i` is the invocations table. */
function sums(): RawBuilder<unknown>[] {
  return [
    sql`count(*)`.as('total'),
    sql`sum(case when i.outcome = 'success' then 1 else 0 end)`.as('succeeded'),
    sql`sum(case when i.outcome in ('failure', 'abandoned') then 1 else 0 end)`.as('failed'),
    sql`sum(case when i.outcome = 'abandoned' then 1 else 0 end)`.as('abandoned'),
    sql`sum(case when i.outcome = 'open' then 1 else 0 end)`.as('open'),
    sql`sum(case when i.completed_at is not null then i.execution_time_ms end)`.as('time_sum'),
    sql`count(case when i.completed_at is not null then i.execution_time_ms end)`.as('time_n'),
    sql`sum(i.complexity_score)`.as('complexity_sum'),
    sql`sum(i.tokens_used)`.as('tokens'),
    sql`sum(i.cost_usd)`.as('cost'),
    sql`sum(i.cpu_usage_percent)`.as('cpu_sum'),
    sql`count(i.cpu_usage_percent)`.as('cpu_n'),
    sql`sum(i.memory_usage_mb)`.as('mem_sum'),
    sql`count(i.memory_usage_mb)`.as('mem_n'),
    sql`max(coalesce(i.peak_memory_mb, i.memory_usage_mb))`.as('peak_mem'),
  ] as unknown as RawBuilder<unknown>[];
}

function base(db: Kysely<DB>, ws: string, scope: Scope, from: number, to: number) {
  let q = inv(db)
    .selectFrom('invocations as i')
    .innerJoin('agents as a', (j) => j.onRef('a.workspace_id', '=', 'i.workspace_id').onRef('a.agent_id', '=', 'i.agent_id'))
    .where('i.workspace_id', '=', ws)
    .where('i.started_at', '>=', from)
    .where('i.started_at', '<', to);
  if (scope.kind === 'agent') q = q.where('i.agent_id', '=', scope.agent_id);
  if (scope.kind === 'team') q = q.where('a.team_id', '=', scope.team_id);
  if (scope.kind === 'pod') q = q.where('a.pod_id', '=', scope.pod_id);
  return q;
}

type SumsRow = { [K in keyof InvocationSums]: number | null };

/** Sums over invocations started in [from, to). */
export async function windowSums(db: Kysely<DB>, ws: string, scope: Scope, from: number, to: number): Promise<SumsRow> {
  const row = await base(db, ws, scope, from, to)
    .select(sums() as never)
    .executeTakeFirst();
  return (row ?? {}) as SumsRow;
}

/** Sums per UTC calendar bucket; answers bucket start time → sums. */
export async function bucketSums(db: Kysely<DB>, ws: string, scope: Scope, from: number, to: number, period: Period): Promise<Map<number, SumsRow>> {
  const size = PERIOD_MS[period];
  const off = PERIOD_OFFSET[period];
  const idx = sql<number>`(i.started_at - ${sql.lit(off)}) / ${sql.lit(size)}`;
  const rows = (await base(db, ws, scope, from, to)
    .select([idx.as('bucket'), ...(sums() as never[])])
    .groupBy(idx)
    .execute()) as unknown as Array<SumsRow & { bucket: number }>;
  return new Map(rows.map((r) => [Number(r.bucket) * size + off, r]));
}

export interface AgentSumsRow extends SumsRow {
  agent_id: string;
  agent_name: string;
  team_id: string;
  pod_id: string | null;
}

export async function perAgentSums(db: Kysely<DB>, ws: string, scope: Scope, from: number, to: number): Promise<AgentSumsRow[]> {
  return (await base(db, ws, scope, from, to)
    .select(['i.agent_id', 'a.agent_name', 'a.team_id', 'a.pod_id', ...(sums() as never[])])
    .groupBy(['i.agent_id', 'a.agent_name', 'a.team_id', 'a.pod_id'])
    .execute()) as unknown as AgentSumsRow[];
}

function agentsIn(db: Kysely<DB>, ws: string, scope: Scope) {
  let q = db.selectFrom('agents').where('workspace_id', '=', ws);
  if (scope.kind === 'agent') q = q.where('agent_id', '=', scope.agent_id);
  if (scope.kind === 'team') q = q.where('team_id', '=', scope.team_id);
  if (scope.kind === 'pod') q = q.where('pod_id', '=', scope.pod_id);
  return q;
}

export async function countAgents(db: Kysely<DB>, ws: string, scope: Scope): Promise<number> {
  const r = await agentsIn(db, ws, scope)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Daily budgets of the scope's working agents (retired and archived ones spend nothing). */
export async function budgets(db: Kysely<DB>, ws: string, scope: Scope): Promise<Map<string, number>> {
  const rows = await agentsIn(db, ws, scope)
    .select(['agent_id', 'cost_budget_daily'])
    .where('cost_budget_daily', 'is not', null)
    .where('current_state', 'not in', [...CLOSED_STATES])
    .execute();
  return new Map(rows.map((r) => [r.agent_id, Number(r.cost_budget_daily)]));
}

/** Spend per agent of the scope since `since` (by start time, like every other figure here). */
export async function scopeSpend(db: Kysely<DB>, ws: string, scope: Scope, since: number, until: number): Promise<Map<string, number>> {
  const rows = await base(db, ws, scope, since, until)
    .select(['i.agent_id', sql<number>`sum(i.cost_usd)`.as('spent')])
    .where('i.cost_usd', 'is not', null)
    .groupBy('i.agent_id')
    .execute();
  return new Map(rows.map((r) => [r.agent_id, Number(r.spent ?? 0)]));
}

const DAY = 86_400_000;

/** Assignments of the scope's agents completed per UTC day since `since`: the throughput trend. */
export async function completedPerDay(db: Kysely<DB>, ws: string, scope: Scope, since: number): Promise<Map<number, number>> {
  let q = db
    .selectFrom('assignments as s')
    .innerJoin('agents as a', (j) => j.onRef('a.workspace_id', '=', 's.workspace_id').onRef('a.agent_id', '=', 's.agent_id'))
    .where('s.workspace_id', '=', ws)
    .where('s.status', '=', 'done')
    .where('s.completed_at', '>=', since);
  if (scope.kind === 'agent') q = q.where('s.agent_id', '=', scope.agent_id);
  if (scope.kind === 'team') q = q.where('a.team_id', '=', scope.team_id);
  if (scope.kind === 'pod') q = q.where('a.pod_id', '=', scope.pod_id);
  const day = sql<number>`s.completed_at / ${sql.lit(DAY)}`;
  const rows = await q
    .select([day.as('day'), (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(day)
    .execute();
  return new Map(rows.map((r) => [Number(r.day) * DAY, Number(r.n)]));
}
