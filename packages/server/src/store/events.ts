import type { Kysely, Selectable } from 'kysely';
import type { AgentEvent } from '@aetherboard/contracts';
import type { DB, EventsTable } from './tables.js';
import { iso } from './codec.js';

export type EventRow = Selectable<EventsTable>;

export interface NewEvent {
  workspace_id: string;
  agent_id: string | null;
  at: number;
  type: string;
  from_value?: string | null;
  to_value?: string | null;
  reason?: string | null;
  alert_id?: string | null;
  payload?: unknown;
  /** Events nobody is notified of are born dispatched, so the outbox only holds real work. */
  notify?: boolean;
}

export async function insertEvent(db: Kysely<DB>, e: NewEvent): Promise<void> {
  await db
    .insertInto('events')
    .values({
      workspace_id: e.workspace_id,
      agent_id: e.agent_id,
      at: e.at,
      type: e.type,
      from_value: e.from_value ?? null,
      to_value: e.to_value ?? null,
      reason: e.reason ?? null,
      alert_id: e.alert_id ?? null,
      payload: JSON.stringify(e.payload ?? {}),
      dispatched_at: e.notify === false ? e.at : null,
    })
    .execute();
}

export async function listAgentEvents(db: Kysely<DB>, ws: string, agentId: string, f: { before?: number; limit: number }) {
  let q = db.selectFrom('events').selectAll().where('workspace_id', '=', ws).where('agent_id', '=', agentId);
  if (f.before !== undefined) q = q.where('seq', '<', f.before);
  return q.orderBy('seq', 'desc').limit(f.limit + 1).execute();
}

export async function pendingOutbox(db: Kysely<DB>, limit: number): Promise<EventRow[]> {
  return db.selectFrom('events').selectAll().where('dispatched_at', 'is', null).orderBy('seq').limit(limit).execute();
}

export async function markDispatched(db: Kysely<DB>, seqs: number[], now: number): Promise<void> {
  if (seqs.length === 0) return;
  await db.updateTable('events').set({ dispatched_at: now }).where('seq', 'in', seqs).execute();
}

export function toAgentEvent(r: EventRow): AgentEvent {
  return { seq: String(r.seq), at: iso(r.at), type: r.type, from: r.from_value, to: r.to_value, reason: r.reason, alert_id: r.alert_id };
}
