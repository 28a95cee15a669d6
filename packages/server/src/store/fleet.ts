import { sql, type Kysely } from 'kysely';
import { isOverBudget } from '../domain/budgets.js';
import { CLOSED_STATES } from '../domain/lifecycle.js';
import type { FleetSummary } from '@aetherboard/contracts';
import type { DB } from './tables.js';
import { iso } from './codec.js';

const DAY = 86_400_000;

export interface SpendSource {
  /** Cost spent since `since`, per agent; the invocations store provides it. */
  spentSince(db: Kysely<DB>, ws: string, since: number): Promise<Map<string, number>>;
}

export async function fleetSummary(db: Kysely<DB>, ws: string, now: number, spend: SpendSource, openAlerts: number): Promise<FleetSummary> {
  const base = () => db.selectFrom('agents').where('workspace_id', '=', ws);
  const byHealth = await base()
    .select(['health', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('health')
    .execute();
  const byTeamState = await base()
    .select(['team_id', 'current_state', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['team_id', 'current_state'])
    .execute();
  const byPod = await base()
    .select(['pod_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('current_state', 'not in', [...CLOSED_STATES])
    .groupBy('pod_id')
    .execute();
  const activeWork = await db
    .selectFrom('assignments as s')
    .innerJoin('agents as a', (j) => j.onRef('a.workspace_id', '=', 's.workspace_id').onRef('a.agent_id', '=', 's.agent_id'))
    .select(['a.team_id', 'a.pod_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('s.workspace_id', '=', ws)
    .where('s.status', 'in', ['active', 'blocked'])
    .groupBy(['a.team_id', 'a.pod_id'])
    .execute();
  const blockers = await db
    .selectFrom('assignments')
    .select([sql<string>`coalesce(blocker_code, 'unspecified')`.as('code'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', ws)
    .where('status', '=', 'blocked')
    .groupBy(sql`coalesce(blocker_code, 'unspecified')`)
    .execute();
  const since = Math.floor(now / DAY) * DAY - 13 * DAY;
  const done = await db
    .selectFrom('assignments')
    .select([sql<number>`completed_at / ${sql.lit(DAY)}`.as('day'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', ws)
    .where('status', '=', 'done')
    .where('completed_at', '>=', since)
    .groupBy(sql`completed_at / ${sql.lit(DAY)}`)
    .execute();
  const budgets = await base()
    .select(['agent_id', 'cost_budget_daily'])
    .where('cost_budget_daily', 'is not', null)
    .where('current_state', 'not in', [...CLOSED_STATES])
    .execute();
  const spent = await spend.spentSince(db, ws, Math.floor(now / DAY) * DAY);

  // Every count is read from an index alone (migration 0008); the fleet's states are the teams' summed.
  const states = new Map<string, number>();
  let total = 0;
  for (const r of byTeamState) {
    states.set(r.current_state, (states.get(r.current_state) ?? 0) + Number(r.n));
    total += Number(r.n);
  }
  const agentsByState = Object.fromEntries([...states].sort(([a], [b]) => (a < b ? -1 : 1)));
  const health = { healthy: 0, at_risk: 0, breach: 0, critical: 0, not_monitored: 0 };
  for (const r of byHealth) health[r.health as keyof typeof health] = Number(r.n);

  const teams = new Map<string, { team_id: string; agents: number; active_assignments: number; by_state: Record<string, number> }>();
  for (const r of byTeamState) {
    const t = teams.get(r.team_id) ?? { team_id: r.team_id, agents: 0, active_assignments: 0, by_state: {} };
    t.agents += Number(r.n);
    t.by_state[r.current_state] = Number(r.n);
    teams.set(r.team_id, t);
  }
  const pods = new Map<string | null, { pod_id: string | null; agents: number; active_assignments: number }>();
  for (const r of byPod) pods.set(r.pod_id, { pod_id: r.pod_id, agents: Number(r.n), active_assignments: 0 });
  for (const r of activeWork) {
    const t = teams.get(r.team_id);
    if (t) t.active_assignments += Number(r.n);
    const p = pods.get(r.pod_id) ?? { pod_id: r.pod_id, agents: 0, active_assignments: 0 };
    p.active_assignments += Number(r.n);
    pods.set(r.pod_id, p);
  }
  const doneByDay = new Map(done.map((r) => [Number(r.day), Number(r.n)]));
  const throughput = [];
  for (let d = since; d <= now; d += DAY) throughput.push({ day: iso(d).slice(0, 10), completed: doneByDay.get(d / DAY) ?? 0 });

  let budgetTotal = 0;
  let over = 0;
  for (const b of budgets) {
    budgetTotal += b.cost_budget_daily ?? 0;
    if (isOverBudget(spent.get(b.agent_id) ?? 0, b.cost_budget_daily)) over += 1;
  }
  let spentTotal = 0;
  for (const v of spent.values()) spentTotal += v;

  return {
    generated_at: iso(now),
    total_agents: total,
    agents_by_state: agentsByState,
    health,
    by_team: [...teams.values()].sort((a, b) => a.team_id.localeCompare(b.team_id)),
    by_pod: [...pods.values()].sort((a, b) => String(a.pod_id).localeCompare(String(b.pod_id))),
    top_blockers: blockers.map((b) => ({ blocker_code: b.code, count: Number(b.n) })).sort((a, b) => b.count - a.count || a.blocker_code.localeCompare(b.blocker_code)),
    throughput,
    cost: { spent_today_usd: Math.round(spentTotal * 1e6) / 1e6, budget_daily_usd: budgetTotal, agents_over_budget: over },
    open_alerts: openAlerts,
  };
}
