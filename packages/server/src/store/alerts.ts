import { sql, type Kysely, type Selectable } from 'kysely';
import type { Alert, AlertListQuery } from '@aetherboard/contracts';
import type { AlertsTable, DB } from './tables.js';
import { iso, isoOrNull, parseJson } from './codec.js';

export type AlertRow = Selectable<AlertsTable>;

/** Inserts unless an unresolved alert with the same dedup key exists; the unique index decides. */
export async function insertAlertOnce(db: Kysely<DB>, row: AlertRow): Promise<boolean> {
  const r = await db
    .insertInto('alerts')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'dedup_key']).where(sql<boolean>`status <> 'resolved'`).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function openAlertsForAgent(db: Kysely<DB>, ws: string, agentId: string): Promise<AlertRow[]> {
  return db.selectFrom('alerts').selectAll().where('workspace_id', '=', ws).where('agent_id', '=', agentId).where('status', '<>', 'resolved').execute();
}

export async function openAlertByKey(db: Kysely<DB>, ws: string, dedupKey: string): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('workspace_id', '=', ws).where('dedup_key', '=', dedupKey).where('status', '<>', 'resolved').executeTakeFirst();
}

export async function getAlert(db: Kysely<DB>, ws: string, alertId: string): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('workspace_id', '=', ws).where('alert_id', '=', alertId).executeTakeFirst();
}

export async function updateAlert(db: Kysely<DB>, alertId: string, patch: Partial<AlertRow>): Promise<void> {
  await db.updateTable('alerts').set(patch).where('alert_id', '=', alertId).execute();
}

export async function countOpenAlerts(db: Kysely<DB>, ws: string): Promise<number> {
  const r = await db.selectFrom('alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws).where('status', '<>', 'resolved').executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function listAlerts(db: Kysely<DB>, ws: string, q: Omit<AlertListQuery, 'cursor'> & { before?: string }): Promise<AlertRow[]> {
  let s = db.selectFrom('alerts').selectAll('alerts').where('alerts.workspace_id', '=', ws);
  if (q.status) s = s.where('alerts.status', '=', q.status);
  if (q.severity) s = s.where('alerts.severity', '=', q.severity);
  if (q.agent_id) s = s.where('alerts.agent_id', '=', q.agent_id);
  if (q.kind) s = s.where('alerts.kind', '=', q.kind);
  if (q.pod_id) {
    const podId = q.pod_id;
    s = s.where((eb) =>
      eb.exists(
        eb
          .selectFrom('agents')
          .select('agents.agent_id')
          .whereRef('agents.workspace_id', '=', 'alerts.workspace_id')
          .whereRef('agents.agent_id', '=', 'alerts.agent_id')
          .where('agents.pod_id', '=', podId),
      ),
    );
  }
  // Alert ids are ULIDs: descending id is newest first.
  if (q.before !== undefined) s = s.where('alerts.alert_id', '<', q.before);
  return s.orderBy('alerts.alert_id', 'desc').limit(q.limit + 1).execute();
}

export async function dueEscalations(db: Kysely<DB>, now: number, limit: number): Promise<AlertRow[]> {
  return db.selectFrom('alerts').selectAll().where('next_escalation_at', 'is not', null).where('next_escalation_at', '<=', now).orderBy('next_escalation_at').limit(limit).execute();
}

export async function earliestEscalation(db: Kysely<DB>): Promise<number | null> {
  const r = await db.selectFrom('alerts').select('next_escalation_at').where('next_escalation_at', 'is not', null).orderBy('next_escalation_at').limit(1).executeTakeFirst();
  return r?.next_escalation_at ?? null;
}

export function toAlert(r: AlertRow): Alert {
  return {
    alert_id: r.alert_id,
    kind: r.kind as Alert['kind'],
    severity: r.severity as Alert['severity'],
    agent_id: r.agent_id,
    dedup_key: r.dedup_key,
    status: r.status as Alert['status'],
    summary: r.summary,
    details: parseJson<Record<string, unknown>>(r.details, {}),
    opened_at: iso(r.opened_at),
    acknowledged_at: isoOrNull(r.acknowledged_at),
    acknowledged_by: r.acknowledged_by,
    resolved_at: isoOrNull(r.resolved_at),
    resolved_by: r.resolved_by,
    escalation_level: r.escalation_level,
    next_escalation_at: isoOrNull(r.next_escalation_at),
    notified: parseJson<Alert['notified']>(r.notified, []),
  };
}
