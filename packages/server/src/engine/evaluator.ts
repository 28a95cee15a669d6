import type { Kysely } from 'kysely';
import { TROUBLED_HEALTH, dedupKey, isTroubled, outageClears, outageTrips, type FleetCounts } from '../domain/alerts.js';
import { dueAgents, getAgent, type AgentRow } from '../store/agents.js';
import { dueEscalations, openAlertByKey, type AlertRow } from '../store/alerts.js';
import type { DB } from '../store/tables.js';
import { fenced, type ServiceContext } from '../service/context.js';
import { escalateAlert, evalEnv, evaluateAgent, openAlert, resolveAlertRow, type EvalEnv } from '../service/evaluate-agent.js';
import type { Condition } from '../domain/evaluate.js';

const BATCH = 500;

async function fleetCounts(db: Kysely<DB>, ws: string): Promise<FleetCounts> {
  const rows = await db
    .selectFrom('agents')
    .select(['health', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', ws)
    .where('health', '<>', 'not_monitored')
    .groupBy('health')
    .execute();
  let monitored = 0;
  let troubled = 0;
  for (const r of rows) {
    monitored += Number(r.n);
    if (isTroubled(r.health)) troubled += Number(r.n);
  }
  return { monitored, troubled };
}

/**
 * Evaluates the given agents (or, with none given, whatever is due) in one transaction per batch.
 * Heartbeat pages are held until the end of the batch: if the silent share of a workspace crosses
 * the breaker's threshold they become one `fleet_outage` alert instead of one page each.
 */
export async function evaluateAgents(ctx: ServiceContext, keys: Array<[string, string]> | null, now: number): Promise<number> {
  const db = ctx.database.db;
  let total = 0;
  for (;;) {
    const batch = keys ? keys.splice(0, BATCH).map(([workspace_id, agent_id]) => ({ workspace_id, agent_id })) : await dueAgents(ctx.database, now, BATCH);
    if (batch.length === 0) break;
    await db.transaction().execute(async (tx) => {
      await fenced(ctx, tx);
      const envs = new Map<string, EvalEnv>();
      const held = new Map<string, Array<{ row: AgentRow; cond: Condition }>>();
      for (const { workspace_id: ws, agent_id } of batch) {
        const row = await getAgent(tx, ws, agent_id, { forUpdate: true, dialect: ctx.database.dialect });
        if (!row) continue;
        if (!keys && (row.next_deadline === null || row.next_deadline > now)) continue;
        let env = envs.get(ws);
        if (!env) envs.set(ws, (env = await evalEnv(ctx, tx, ws, now)));
        const out = await evaluateAgent(ctx, tx, row, env, { holdBreach: true });
        if (out.heldBreach) held.set(ws, [...(held.get(ws) ?? []), { row: out.row, cond: out.heldBreach }]);
      }
      for (const [ws, pages] of held) {
        const env = envs.get(ws)!;
        const counts = await fleetCounts(tx, ws);
        const { monitored, troubled } = counts;
        if (outageTrips(counts, env.policy)) {
          await openAlert(
            ctx,
            tx,
            null,
            'fleet_outage',
            `${troubled} of ${monitored} monitored agents went silent or into breach at once`,
            { troubled, monitored, fraction: env.policy.fleetOutageFraction },
            env,
            { workspaceId: ws },
          );
        } else {
          for (const p of pages) await openAlert(ctx, tx, p.row, p.cond.kind, p.cond.summary, p.cond.details, env);
        }
      }
    });
    total += batch.length;
    if (keys && keys.length === 0) break;
  }
  return total;
}

/** Resolves fleet outages that have cleared (see outageClears) and pages whoever is still silent. */
export async function reviewOutages(ctx: ServiceContext, now: number): Promise<void> {
  const db = ctx.database.db;
  const open = await db.selectFrom('alerts').select(['workspace_id']).where('kind', '=', 'fleet_outage').where('status', '<>', 'resolved').execute();
  for (const { workspace_id: ws } of open) {
    const policy = await ctx.policies.get(ws);
    const counts = await fleetCounts(db, ws);
    const { monitored, troubled } = counts;
    if (!outageClears(counts, policy)) continue;
    await db.transaction().execute(async (tx) => {
      await fenced(ctx, tx);
      const alert = await openAlertByKey(tx, ws, dedupKey('fleet_outage', ws));
      if (alert) await resolveAlertRow(ctx, tx, alert, 'system', `fleet recovered: ${troubled} of ${monitored} still in trouble`, now);
      // Whoever is still silent now gets an individual page.
      await tx.updateTable('agents').set({ next_deadline: now }).where('workspace_id', '=', ws).where('health', 'in', [...TROUBLED_HEALTH]).execute();
    });
  }
}

export async function runEscalations(ctx: ServiceContext, now: number): Promise<number> {
  const db = ctx.database.db;
  let n = 0;
  for (;;) {
    const due: AlertRow[] = await dueEscalations(db, now, BATCH);
    if (due.length === 0) return n;
    await db.transaction().execute(async (tx) => {
      await fenced(ctx, tx);
      for (const a of due) {
        const cur = await tx.selectFrom('alerts').selectAll().where('alert_id', '=', a.alert_id).executeTakeFirst();
        if (!cur || cur.next_escalation_at === null || cur.next_escalation_at > now) continue;
        if (cur.status !== 'open') {
          await tx.updateTable('alerts').set({ next_escalation_at: null }).where('alert_id', '=', cur.alert_id).execute();
          continue;
        }
        await escalateAlert(ctx, tx, cur, await ctx.policies.get(cur.workspace_id, tx), now);
        n += 1;
      }
    });
  }
}
