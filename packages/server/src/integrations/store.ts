import type { Kysely } from 'kysely';
import type { DB } from '../store/tables.js';
import { chunks } from '../store/invocations.js';

export interface ForwardedAlertsTable {
  target: string;
  workspace_id: string;
  alert_id: string;
  firing_sent_at: number;
}

/** The table belongs to the integrations; the shared table list stays as it is. */
const fw = (db: Kysely<DB>) => db.withTables<{ forwarded_alerts: ForwardedAlertsTable }>();

/** An alert with what routing labels need from its agent. */
export interface AlertForForwarding {
  alert_id: string;
  workspace_id: string;
  kind: string;
  severity: string;
  status: string;
  summary: string;
  agent_id: string | null;
  opened_at: number;
  resolved_at: number | null;
  escalation_level: number;
  pod_id: string | null;
  team_id: string | null;
  priority_tier: string | null;
}

const columns = [
  'a.alert_id',
  'a.workspace_id',
  'a.kind',
  'a.severity',
  'a.status',
  'a.summary',
  'a.agent_id',
  'a.opened_at',
  'a.resolved_at',
  'a.escalation_level',
  'g.pod_id',
  'g.team_id',
  'g.priority_tier',
] as const;

export async function openAlertsOf(db: Kysely<DB>, ws: string, limit: number): Promise<AlertForForwarding[]> {
  return db
    .selectFrom('alerts as a')
    .leftJoin('agents as g', (j) => j.onRef('g.workspace_id', '=', 'a.workspace_id').onRef('g.agent_id', '=', 'a.agent_id'))
    .select(columns)
    .where('a.workspace_id', '=', ws)
    .where('a.status', '<>', 'resolved')
    .orderBy('a.opened_at')
    .limit(limit)
    .execute();
}

/** Alerts sent as firing that have since resolved: their resolution is still owed. */
export async function owedResolutions(db: Kysely<DB>, target: string, ws: string, limit: number): Promise<AlertForForwarding[]> {
  return fw(db)
    .selectFrom('forwarded_alerts as f')
    .innerJoin('alerts as a', 'a.alert_id', 'f.alert_id')
    .leftJoin('agents as g', (j) => j.onRef('g.workspace_id', '=', 'a.workspace_id').onRef('g.agent_id', '=', 'a.agent_id'))
    .select(columns)
    .where('f.target', '=', target)
    .where('f.workspace_id', '=', ws)
    .where('a.status', '=', 'resolved')
    .orderBy('a.resolved_at')
    .limit(limit)
    .execute();
}

export async function markForwarded(db: Kysely<DB>, target: string, ws: string, firing: string[], resolved: string[], now: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (const part of chunks(firing, 500)) {
      await fw(tx)
        .insertInto('forwarded_alerts')
        .values(part.map((alert_id) => ({ target, workspace_id: ws, alert_id, firing_sent_at: now })))
        .onConflict((oc) => oc.columns(['target', 'workspace_id', 'alert_id']).doUpdateSet({ firing_sent_at: now }))
        .execute();
    }
    for (const part of chunks(resolved, 500)) {
      await fw(tx).deleteFrom('forwarded_alerts').where('target', '=', target).where('workspace_id', '=', ws).where('alert_id', 'in', part).execute();
    }
  });
}
