import type { Kysely } from 'kysely';
import type { AgentState } from '@aetherboard/contracts';
import { dayStart, isBurnAnomaly, judgeBudget } from '../domain/budgets.js';
import { isClosed, isLegalTransition } from '../domain/lifecycle.js';
import { getAgent, updateAgent, type AgentRow } from '../store/agents.js';
import { openAlertByKey } from '../store/alerts.js';
import { spentSince } from '../store/invocations.js';
import type { DB } from '../store/tables.js';
import { recordStateChange, stateChangeColumns } from './agents.js';
import { fenced, type ServiceContext } from './context.js';
import { evalEnv, evaluateAgent, openAlert, resolveAlertRow } from './evaluate-agent.js';
import { governanceOf } from './governance.js';
import { dedupKey } from '../domain/alerts.js';

const HOUR = 3_600_000;
const money = (x: number) => `$${x.toFixed(2)}`;

async function setCondition(
  ctx: ServiceContext,
  tx: Kysely<DB>,
  ws: string,
  agent: AgentRow | null,
  kind: 'budget_warning' | 'budget_exhausted' | 'cost_burn_anomaly',
  subject: string,
  present: { summary: string; details: Record<string, unknown> } | null,
  now: number,
): Promise<void> {
  const open = await openAlertByKey(tx, ws, dedupKey(kind, subject));
  if (present && !open) {
    await openAlert(ctx, tx, agent, kind, present.summary, present.details, { policy: await ctx.policies.get(ws, tx), now }, { workspaceId: ws, subject });
  } else if (!present && open) {
    await resolveAlertRow(ctx, tx, open, 'system', 'spend back within budget', now);
  }
}

interface Spender {
  agent_id: string;
  cost_budget_daily: number | null;
  pod_id: string | null;
  team_id: string;
  current_state: string;
}

/** The agents named, whatever their state, read 500 at a time. */
async function spendersOf(db: Kysely<DB>, ws: string, ids: readonly string[]): Promise<Spender[]> {
  const out: Spender[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    out.push(
      ...(await db
        .selectFrom('agents')
        .select(['agent_id', 'cost_budget_daily', 'pod_id', 'team_id', 'current_state'])
        .where('workspace_id', '=', ws)
        .where('agent_id', 'in', ids.slice(i, i + 500))
        .execute()),
    );
  }
  return out;
}

/**
 * What each pod and team spent, from each agent's spend: retired and archived agents included,
 * since their money was spent all the same. The one sum behind both the quota alerts and
 * GET /api/budgets.
 */
function spendByScope(agents: readonly Spender[], spent: ReadonlyMap<string, number>): Record<'pod' | 'team', Map<string, number>> {
  const out = { pod: new Map<string, number>(), team: new Map<string, number>() };
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  for (const a of agents) {
    const s = spent.get(a.agent_id) ?? 0;
    if (a.pod_id) add(out.pod, a.pod_id, s);
    add(out.team, a.team_id, s);
  }
  return out;
}

/** What each pod and team spent since `since`; reads only the agents that spent, not the whole fleet. */
export async function scopeSpendSince(db: Kysely<DB>, ws: string, since: number): Promise<Record<'pod' | 'team', Map<string, number>>> {
  const spent = await spentSince(db, ws, since);
  return spendByScope(await spendersOf(db, ws, [...spent.keys()]), spent);
}

/**
 * Daily budgets per agent and quotas per pod and team: warn at 90 % (configurable), page when
 * exhausted, and with the hard stop on, pause the agent as soon as pausing is a legal move.
 */
export async function checkBudgets(ctx: ServiceContext, ws: string, now: number): Promise<void> {
  const db = ctx.database.db;
  const { settings } = await governanceOf(db, ws);
  const today = await spentSince(db, ws, dayStart(now));
  const lastHour = await spentSince(db, ws, now - HOUR);
  const week = await spentSince(db, ws, now - 7 * 24 * HOUR);
  const alerted = new Set(
    (
      await db
        .selectFrom('alerts')
        .select('agent_id')
        .where('workspace_id', '=', ws)
        .where('status', '<>', 'resolved')
        .where('kind', 'in', ['budget_warning', 'budget_exhausted', 'cost_burn_anomaly'])
        .execute()
    ).map((r) => r.agent_id),
  );
  // Only agents that spent today, or still carry a budget alert, can change anything here: the
  // check costs O(today's spenders), not O(fleet), which matters at a million agents.
  const candidates = [...new Set([...today.keys(), ...[...alerted].filter((x): x is string => x !== null)])];
  // One read serves both: every spender counts towards its pod and team, only active agents are judged.
  const candidateRows = await spendersOf(db, ws, candidates);
  const agents = candidateRows.filter((a) => !isClosed(a.current_state));
  for (const a of agents) {
    const spent = today.get(a.agent_id) ?? 0;
    const hour = lastHour.get(a.agent_id) ?? 0;
    const prevWeek = (week.get(a.agent_id) ?? 0) - hour;
    const budget = a.cost_budget_daily;
    const v = budget !== null ? judgeBudget(spent, budget, settings.budget_warn_fraction) : null;
    const anomaly = isBurnAnomaly(hour, prevWeek, settings.cost_anomaly_factor);
    const touches = v?.warning || v?.exhausted || anomaly || alerted.has(a.agent_id);
    if (!touches) continue;
    await db.transaction().execute(async (tx) => {
      await fenced(ctx, tx);
      const row = (await getAgent(tx, ws, a.agent_id, { forUpdate: true, dialect: ctx.database.dialect }))!;
      const detail = { spent_usd: spent, budget_usd: budget, fraction: v?.fraction ?? null };
      await setCondition(ctx, tx, ws, row, 'budget_warning', a.agent_id, v?.warning ? { summary: `${row.agent_name} has spent ${money(spent)} of its ${money(budget!)} daily budget`, details: detail } : null, now);
      await setCondition(ctx, tx, ws, row, 'budget_exhausted', a.agent_id, v?.exhausted ? { summary: `${row.agent_name} exhausted its daily budget: ${money(spent)} of ${money(budget!)}`, details: detail } : null, now);
      await setCondition(
        ctx,
        tx,
        ws,
        row,
        'cost_burn_anomaly',
        a.agent_id,
        anomaly ? { summary: `${row.agent_name} burned ${money(hour)} in the last hour, over ${settings.cost_anomaly_factor}× its weekly hourly average`, details: { last_hour_usd: hour, previous_week_usd: prevWeek } } : null,
        now,
      );
      if (v?.exhausted && settings.budget_hard_stop && isLegalTransition(row.current_state as AgentState, 'paused')) {
        const reason = `budget hard stop: ${money(spent)} spent of a ${money(budget!)} daily budget`;
        const set = stateChangeColumns(row, 'paused', now);
        await updateAgent(tx, ws, row.agent_id, set);
        await recordStateChange(tx, ws, row.agent_id, now, row.current_state, 'paused', 'system', reason);
        await evaluateAgent(ctx, tx, { ...row, ...set } as AgentRow, await evalEnv(ctx, tx, ws, now));
      }
    });
  }
  const byScope = spendByScope(candidateRows, today);
  for (const scope of ['pod', 'team'] as const) {
    const spentBy = byScope[scope];
    const quotas = await db.selectFrom('budgets').selectAll().where('workspace_id', '=', ws).where('scope', '=', scope).execute();
    for (const q of quotas) {
      const spent = spentBy.get(q.scope_id) ?? 0;
      const v = judgeBudget(spent, q.daily_usd, settings.budget_warn_fraction);
      const subject = `${scope}:${q.scope_id}`;
      await db.transaction().execute(async (tx) => {
        await fenced(ctx, tx);
        const detail = { scope, scope_id: q.scope_id, spent_usd: spent, budget_usd: q.daily_usd, fraction: v.fraction };
        await setCondition(ctx, tx, ws, null, 'budget_warning', subject, v.warning ? { summary: `${scope} ${q.scope_id} has spent ${money(spent)} of its ${money(q.daily_usd)} daily quota`, details: detail } : null, now);
        await setCondition(ctx, tx, ws, null, 'budget_exhausted', subject, v.exhausted ? { summary: `${scope} ${q.scope_id} exhausted its daily quota: ${money(spent)} of ${money(q.daily_usd)}`, details: detail } : null, now);
      });
    }
  }
}
