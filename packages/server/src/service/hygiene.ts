import type { Kysely } from 'kysely';
import { CLOSED_STATES } from '../domain/lifecycle.js';
import type { HygieneReport } from '@aetherboard/contracts';
import { dedupKey } from '../domain/alerts.js';
import { getAgent } from '../store/agents.js';
import { openAlertByKey } from '../store/alerts.js';
import { iso } from '../store/codec.js';
import { podSizeWarning } from '../domain/pods.js';
import type { DB } from '../store/tables.js';
import { fenced, type ServiceContext } from './context.js';
import { openAlert, resolveAlertRow } from './evaluate-agent.js';
import { governanceOf } from './governance.js';

const DAY = 86_400_000;
const ACTIVE = ['ready', 'assigned', 'executing', 'blocked', 'degraded', 'escalated', 'paused', 'registered'];

/** The weekly routine of seed 000 §7, as data. */
export async function hygieneReport(db: Kysely<DB>, ws: string, now: number): Promise<HygieneReport> {
  const { settings } = await governanceOf(db, ws);
  const ref = (a: { agent_id: string; agent_name: string }, detail: string) => ({ agent_id: a.agent_id, agent_name: a.agent_name, detail });

  const inactive = await db
    .selectFrom('agents')
    .select(['agent_id', 'agent_name', 'state_changed_at', 'last_seen_at'])
    .where('workspace_id', '=', ws)
    .where('current_state', '=', 'retired')
    .where('state_changed_at', '<', now - settings.inactive_days * DAY)
    .orderBy('agent_id')
    .limit(1000)
    .execute();

  const owners = await db
    .selectFrom('agents as a')
    .leftJoin('members as m', (j) => j.onRef('m.workspace_id', '=', 'a.workspace_id').onRef('m.member_id', '=', 'a.owner_id'))
    .select(['a.agent_id', 'a.agent_name', 'a.owner_id', 'm.status as owner_status', 'm.member_id as owner_found'])
    .where('a.workspace_id', '=', ws)
    .where('a.current_state', 'in', ACTIVE)
    .where((eb) => eb.or([eb('m.member_id', 'is', null), eb('m.status', '=', 'left')]))
    .orderBy('a.agent_id')
    .limit(1000)
    .execute();

  const blockers = await db
    .selectFrom('assignments')
    .select(['blocker_code', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', ws)
    .where('blocker_code', 'is not', null)
    .where('updated_at', '>=', now - 7 * DAY)
    .groupBy('blocker_code')
    .execute();

  const stale = await db
    .selectFrom('agents')
    .select(['agent_id', 'agent_name', 'state_changed_at'])
    .where('workspace_id', '=', ws)
    .where('current_state', '=', 'paused')
    .where('state_changed_at', '<', now - settings.stale_paused_days * DAY)
    .orderBy('agent_id')
    .limit(1000)
    .execute();

  const retiredAssigned = await db
    .selectFrom('agents as a')
    .innerJoin('assignments as s', (j) => j.onRef('s.workspace_id', '=', 'a.workspace_id').onRef('s.agent_id', '=', 'a.agent_id'))
    .select(['a.agent_id', 'a.agent_name', (eb) => eb.fn.countAll<number>().as('n')])
    .where('a.workspace_id', '=', ws)
    .where('a.current_state', 'in', [...CLOSED_STATES])
    .where('s.status', 'in', ['active', 'blocked'])
    .groupBy(['a.agent_id', 'a.agent_name'])
    .orderBy('a.agent_id')
    .limit(1000)
    .execute();

  const pods = await db
    .selectFrom('pods as p')
    .leftJoin('agents as a', (j) =>
      j.onRef('a.workspace_id', '=', 'p.workspace_id').onRef('a.pod_id', '=', 'p.pod_id').on('a.current_state', 'not in', [...CLOSED_STATES]),
    )
    .select(['p.pod_id', (eb) => eb.fn.count<number>('a.agent_id').as('n')])
    .where('p.workspace_id', '=', ws)
    .groupBy('p.pod_id')
    .orderBy('p.pod_id')
    .execute();

  const ownerDetail = (o: { owner_id: string; owner_found: string | null }) => (o.owner_found ? `owner '${o.owner_id}' has left` : `owner '${o.owner_id}' is no member`);
  return {
    generated_at: iso(now),
    inactive_to_archive: inactive.map((a) => ref(a, `retired since ${iso(a.state_changed_at)}`)),
    owners_to_revalidate: owners.map((o) => ref(o, ownerDetail(o))),
    top_blocker_codes: blockers
      .map((b) => ({ blocker_code: b.blocker_code ?? 'unspecified', count: Number(b.n) }))
      .sort((a, b) => b.count - a.count || a.blocker_code.localeCompare(b.blocker_code))
      .slice(0, 5),
    stale_paused: stale.map((a) => ref(a, `paused since ${iso(a.state_changed_at)}`)),
    retired_but_assigned: retiredAssigned.map((a) => ref(a, `${Number(a.n)} open assignment(s)`)),
    ownerless_active: owners.filter((o) => o.owner_status !== 'active').map((o) => ref(o, ownerDetail(o))),
    pods_outside_size: pods
      .map((p) => ({ pod_id: p.pod_id, agents: Number(p.n), detail: podSizeWarning(Number(p.n), settings.pod_size_min, settings.pod_size_max) }))
      .filter((p): p is { pod_id: string; agents: number; detail: string } => p.detail !== null),
  };
}

/**
 * Raises and clears the hygiene alerts: `ownerless_agent` (P1) for active agents whose owner left
 * or never existed, `lifecycle_hygiene` (P2) for retired-but-assigned and stale paused agents.
 */
export async function hygieneAlerts(ctx: ServiceContext, ws: string, now: number): Promise<HygieneReport> {
  const db = ctx.database.db;
  const report = await hygieneReport(db, ws, now);
  const policy = await ctx.policies.get(ws);
  const want = new Map<string, { kind: 'ownerless_agent' | 'lifecycle_hygiene'; agentId: string; summary: string; details: Record<string, unknown> }>();
  for (const a of report.ownerless_active) want.set(dedupKey('ownerless_agent', a.agent_id), { kind: 'ownerless_agent', agentId: a.agent_id, summary: `${a.agent_name} has no owner: ${a.detail}`, details: { detail: a.detail } });
  const hygiene = new Map<string, { name: string; reasons: string[] }>();
  for (const a of [...report.retired_but_assigned.map((x) => ({ ...x, detail: `retired but assigned (${x.detail})` })), ...report.stale_paused.map((x) => ({ ...x, detail: `stale: ${x.detail}` }))]) {
    const e = hygiene.get(a.agent_id) ?? { name: a.agent_name, reasons: [] };
    e.reasons.push(a.detail);
    hygiene.set(a.agent_id, e);
  }
  for (const [id, e] of hygiene) want.set(dedupKey('lifecycle_hygiene', id), { kind: 'lifecycle_hygiene', agentId: id, summary: `${e.name}: ${e.reasons.join('; ')}`, details: { reasons: e.reasons } });

  await db.transaction().execute(async (tx) => {
    await fenced(ctx, tx);
    for (const w of want.values()) {
      if (await openAlertByKey(tx, ws, dedupKey(w.kind, w.agentId))) continue;
      const agent = await getAgent(tx, ws, w.agentId);
      if (agent) await openAlert(ctx, tx, agent, w.kind, w.summary, w.details, { policy, now });
    }
    const open = await tx.selectFrom('alerts').selectAll().where('workspace_id', '=', ws).where('status', '<>', 'resolved').where('kind', 'in', ['ownerless_agent', 'lifecycle_hygiene']).execute();
    for (const a of open) if (!want.has(a.dedup_key)) await resolveAlertRow(ctx, tx, a, 'system', 'hygiene issue fixed', now);
  });
  return report;
}
