import { dedupKey } from '../domain/alerts.js';
import { isClosed } from '../domain/lifecycle.js';
import { checkBudgets } from '../service/budgets.js';
import { fenced, type ServiceContext } from '../service/context.js';
import { openAlert } from '../service/evaluate-agent.js';
import { governanceOf } from '../service/governance.js';
import { hygieneAlerts } from '../service/hygiene.js';
import { getAgent } from '../store/agents.js';
import { openAlertByKey } from '../store/alerts.js';
import { insertEvent } from '../store/events.js';
import { getMeta, setMeta } from '../store/workspaces.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * Governance work that runs by itself: skill recertification as skills expire (indexed by expiry),
 * budget checks every minute, hygiene alerts every hour and the hygiene report on its weekly
 * schedule, all by the server's clock: on the manual clock they follow simulated time, so a
 * simulated day does a day's checks, no more.
 */
export function governanceTask(): (ctx: ServiceContext, now: number) => Promise<void> {
  let lastBudgets = Number.NEGATIVE_INFINITY;
  let lastHygiene = Number.NEGATIVE_INFINITY;
  return async (ctx, now) => {
    const db = ctx.database.db;
    await recertify(ctx, now);
    const budgets = now - lastBudgets >= MIN;
    const hygiene = now - lastHygiene >= HOUR;
    if (!budgets && !hygiene) return;
    const workspaces = await db.selectFrom('workspaces').select('workspace_id').execute();
    for (const { workspace_id: ws } of workspaces) {
      if (budgets) await checkBudgets(ctx, ws, now);
      if (hygiene) {
        const report = await hygieneAlerts(ctx, ws, now);
        const { settings } = await governanceOf(db, ws);
        const key = `hygiene_report_at:${ws}`;
        const last = Number((await getMeta(db, key)) ?? NaN);
        if (!Number.isFinite(last)) await setMeta(db, key, String(now));
        else if (now - last >= settings.hygiene_interval_days * DAY) {
          await insertEvent(db, { workspace_id: ws, agent_id: null, at: now, type: 'hygiene.report', reason: 'weekly hygiene routine', payload: { report } });
          await setMeta(db, key, String(now));
        }
      }
    }
    if (budgets) lastBudgets = now;
    if (hygiene) lastHygiene = now;
  };
}

async function recertify(ctx: ServiceContext, now: number): Promise<void> {
  const db = ctx.database.db;
  for (;;) {
    const due = await db.selectFrom('agent_skills').selectAll().where('status', '=', 'validated').where('expires_at', 'is not', null).where('expires_at', '<=', now).limit(200).execute();
    if (due.length === 0) return;
    await db.transaction().execute(async (tx) => {
      await fenced(ctx, tx);
      for (const s of due) {
        await tx.updateTable('agent_skills').set({ status: 'expired', updated_at: now }).where('workspace_id', '=', s.workspace_id).where('agent_id', '=', s.agent_id).where('skill_id', '=', s.skill_id).execute();
        const subject = `${s.agent_id}:${s.skill_id}`;
        if (await openAlertByKey(tx, s.workspace_id, dedupKey('skill_recertification_due', subject))) continue;
        const agent = await getAgent(tx, s.workspace_id, s.agent_id);
        if (!agent || isClosed(agent.current_state)) continue;
        await openAlert(
          ctx,
          tx,
          agent,
          'skill_recertification_due',
          `${agent.agent_name}: skill '${s.skill_id}' needs recertification`,
          { skill_id: s.skill_id, expired_at: new Date(s.expires_at!).toISOString() },
          { policy: await ctx.policies.get(s.workspace_id, tx), now },
          { subject },
        );
      }
    });
  }
}
