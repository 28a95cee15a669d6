import type {
  AgentInvocationMetrics,
  CostBurn,
  GroupAnalytics,
  GroupAnalyticsQuery,
  MetricsBucket,
  MetricsPeriod,
  RankedAgent,
  TopAgentsQuery,
  TopAgents,
} from '@aetherboard/contracts';
import { DAY, DEFAULT_BUCKETS, PERIOD_MS, bucketStart, compareRanked, figures, round } from '../domain/efficiency.js';
import { isOverBudget } from '../domain/budgets.js';
import { notFound } from '../domain/errors.js';
import { getAgent } from '../store/agents.js';
import { iso } from '../store/codec.js';
import { budgets, bucketSums, completedPerDay, countAgents, perAgentSums, scopeSpend, windowSums, type Scope } from '../store/invocation-analytics.js';
import { getPod } from '../store/org.js';
import type { ServiceContext } from './context.js';

/** The headline window: the trailing hour, day or week up to now (now itself included). */
function trailing(period: MetricsPeriod, now: number): { from: number; to: number } {
  return { from: now - PERIOD_MS[period], to: now + 1 };
}

async function series(ctx: ServiceContext, ws: string, scope: Scope, period: MetricsPeriod, buckets: number | undefined, now: number): Promise<MetricsBucket[]> {
  const n = buckets ?? DEFAULT_BUCKETS[period];
  const size = PERIOD_MS[period];
  const last = bucketStart(now, period);
  const first = last - (n - 1) * size;
  const got = await bucketSums(ctx.database.db, ws, scope, first, last + size, period);
  const out: MetricsBucket[] = [];
  for (let b = first; b <= last; b += size) out.push({ bucket_start: iso(b), ...figures(got.get(b)) });
  return out;
}

export async function agentMetrics(ctx: ServiceContext, ws: string, agentId: string, period: MetricsPeriod, buckets: number | undefined): Promise<AgentInvocationMetrics> {
  const db = ctx.database.db;
  if (!(await getAgent(db, ws, agentId))) throw notFound('agent', agentId);
  const now = ctx.clock.now();
  const scope: Scope = { kind: 'agent', agent_id: agentId };
  const w = trailing(period, now);
  const head = figures(await windowSums(db, ws, scope, w.from, w.to));
  return {
    agent_id: agentId,
    period,
    window_start: iso(w.from),
    window_end: iso(now),
    ...head,
    series: await series(ctx, ws, scope, period, buckets, now),
  };
}

async function ranked(ctx: ServiceContext, ws: string, scope: Scope, period: MetricsPeriod, minCompleted: number, limit: number, now: number): Promise<RankedAgent[]> {
  const w = trailing(period, now);
  const rows = await perAgentSums(ctx.database.db, ws, scope, w.from, w.to);
  const scored = rows
    .map((r) => ({ r, f: figures(r) }))
    .filter((x) => x.f.completed_invocations >= minCompleted)
    .map((x) => ({
      agent_id: x.r.agent_id,
      agent_name: x.r.agent_name,
      team_id: x.r.team_id,
      pod_id: x.r.pod_id,
      total_invocations: x.f.total_invocations,
      completed_invocations: x.f.completed_invocations,
      success_rate: x.f.success_rate,
      avg_execution_time_ms: x.f.avg_execution_time_ms,
      avg_complexity_handled: x.f.avg_complexity_handled,
      efficiency_score: x.f.efficiency_score,
      cost_usd: x.f.cost_usd,
    }))
    .sort(compareRanked);
  return scored.slice(0, limit).map((a, i) => ({ rank: i + 1, ...a }));
}

export async function topAgents(ctx: ServiceContext, ws: string, q: TopAgentsQuery): Promise<TopAgents> {
  const now = ctx.clock.now();
  let scope: Scope = { kind: 'workspace' };
  if (q.pod_id !== undefined) scope = { kind: 'pod', pod_id: q.pod_id };
  else if (q.team_id !== undefined) scope = { kind: 'team', team_id: q.team_id };
  let items = await ranked(ctx, ws, scope, q.period, q.min_invocations, q.pod_id !== undefined && q.team_id !== undefined ? 1_000_000 : q.limit, now);
  // Both filters given: the pod's agents that are also filed under the team.
  if (q.pod_id !== undefined && q.team_id !== undefined) items = items.filter((a) => a.team_id === q.team_id).slice(0, q.limit).map((a, i) => ({ ...a, rank: i + 1 }));
  const w = trailing(q.period, now);
  return { period: q.period, window_start: iso(w.from), window_end: iso(now), items };
}

async function costBurn(ctx: ServiceContext, ws: string, scope: Scope, now: number): Promise<CostBurn> {
  const db = ctx.database.db;
  const since = Math.floor(now / DAY) * DAY;
  const [spent, budget] = await Promise.all([scopeSpend(db, ws, scope, since, now + 1), budgets(db, ws, scope)]);
  const ids = [...new Set([...spent.keys(), ...budget.keys()])].sort();
  let spentTotal = 0;
  let budgetTotal = 0;
  let over = 0;
  const byAgent = ids.map((id) => {
    const s = spent.get(id) ?? 0;
    const b = budget.get(id);
    spentTotal += s;
    if (b !== undefined) {
      budgetTotal += b;
      if (isOverBudget(s, b)) over += 1;
    }
    return {
      agent_id: id,
      spent_today_usd: round(s, 6),
      budget_daily_usd: b ?? null,
      burn_ratio: b !== undefined && b > 0 ? round(s / b, 4) : null,
    };
  });
  byAgent.sort((a, b) => b.spent_today_usd - a.spent_today_usd || a.agent_id.localeCompare(b.agent_id));
  return {
    since: iso(since),
    spent_today_usd: round(spentTotal, 6),
    budget_daily_usd: round(budgetTotal, 6),
    burn_ratio: budgetTotal > 0 ? round(spentTotal / budgetTotal, 4) : null,
    day_elapsed: round((now - since) / DAY, 4),
    agents_over_budget: over,
    by_agent: byAgent,
  };
}

export type GroupScope = Exclude<Scope, { kind: 'agent' }>;

export async function groupAnalytics(ctx: ServiceContext, ws: string, scope: GroupScope, q: GroupAnalyticsQuery): Promise<GroupAnalytics> {
  const db = ctx.database.db;
  const agents = await countAgents(db, ws, scope);
  if (scope.kind === 'pod' && !(await getPod(db, ws, scope.pod_id))) throw notFound('pod', scope.pod_id);
  if (scope.kind === 'team' && agents === 0 && !(await teamHasPod(ctx, ws, scope.team_id))) throw notFound('team', scope.team_id);
  const now = ctx.clock.now();
  const w = trailing(q.period, now);
  const today = Math.floor(now / DAY) * DAY;
  const since = today - (q.days - 1) * DAY;
  const [head, ser, top, done, cost] = await Promise.all([
    windowSums(db, ws, scope, w.from, w.to),
    series(ctx, ws, scope, q.period, q.buckets, now),
    ranked(ctx, ws, scope, q.period, 1, q.top, now),
    completedPerDay(db, ws, scope, since),
    costBurn(ctx, ws, scope, now),
  ]);
  const throughput = [];
  for (let d = since; d <= today; d += DAY) throughput.push({ day: iso(d).slice(0, 10), completed: done.get(d) ?? 0 });
  return {
    scope: scope.kind,
    scope_id: scope.kind === 'team' ? scope.team_id : scope.kind === 'pod' ? scope.pod_id : ws,
    agents,
    period: q.period,
    window_start: iso(w.from),
    window_end: iso(now),
    ...figures(head),
    series: ser,
    top_agents: top,
    throughput,
    cost,
  };
}

async function teamHasPod(ctx: ServiceContext, ws: string, teamId: string): Promise<boolean> {
  const r = await ctx.database.db.selectFrom('pods').select('pod_id').where('workspace_id', '=', ws).where('team_id', '=', teamId).executeTakeFirst();
  return r !== undefined;
}
