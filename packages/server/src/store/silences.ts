import type { Kysely, Selectable } from 'kysely';
import type { Silence } from '@aetherboard/contracts';
import type { DB, SilencesTable } from './tables.js';
import { iso, parseJson } from './codec.js';

export type SilenceRow = Selectable<SilencesTable>;
export interface Matchers {
  agent_id?: string;
  pod_id?: string;
  team_id?: string;
  kind?: string;
}

export async function insertSilence(db: Kysely<DB>, row: SilenceRow): Promise<void> {
  await db.insertInto('silences').values(row).execute();
}

export async function activeSilences(db: Kysely<DB>, ws: string, now: number): Promise<SilenceRow[]> {
  return db.selectFrom('silences').selectAll().where('workspace_id', '=', ws).where('starts_at', '<=', now).where('ends_at', '>', now).execute();
}

export async function getSilence(db: Kysely<DB>, ws: string, id: string): Promise<SilenceRow | undefined> {
  return db.selectFrom('silences').selectAll().where('workspace_id', '=', ws).where('silence_id', '=', id).executeTakeFirst();
}

export async function listSilences(db: Kysely<DB>, ws: string, f: { activeAt?: number; before?: string; limit: number }) {
  let q = db.selectFrom('silences').selectAll().where('workspace_id', '=', ws);
  if (f.activeAt !== undefined) q = q.where('ends_at', '>', f.activeAt);
  if (f.before !== undefined) q = q.where('silence_id', '<', f.before);
  return q.orderBy('silence_id', 'desc').limit(f.limit + 1).execute();
}

/** Silences that ended (or were expired early) and whose agents have not been looked at again. */
export async function endedUnhandled(db: Kysely<DB>, now: number): Promise<SilenceRow[]> {
  return db.selectFrom('silences').selectAll().where('expired_handled', '=', 0).where('ends_at', '<=', now).limit(100).execute();
}

export async function earliestSilenceEnd(db: Kysely<DB>): Promise<number | null> {
  const r = await db.selectFrom('silences').select('ends_at').where('expired_handled', '=', 0).orderBy('ends_at').limit(1).executeTakeFirst();
  return r?.ends_at ?? null;
}

export function matchersOf(r: SilenceRow): Matchers {
  return parseJson<Matchers>(r.matchers, {});
}

export function silenceMatches(m: Matchers, a: { agent_id: string; pod_id: string | null; team_id: string }, kind: string): boolean {
  if (m.agent_id !== undefined && m.agent_id !== a.agent_id) return false;
  if (m.pod_id !== undefined && m.pod_id !== a.pod_id) return false;
  if (m.team_id !== undefined && m.team_id !== a.team_id) return false;
  if (m.kind !== undefined && m.kind !== kind) return false;
  return true;
}

export function toSilence(r: SilenceRow, now: number): Silence {
  return {
    silence_id: r.silence_id,
    matchers: matchersOf(r) as Silence['matchers'],
    starts_at: iso(r.starts_at),
    ends_at: iso(r.ends_at),
    comment: r.comment,
    created_by: r.created_by,
    created_at: iso(r.created_at),
    active: r.starts_at <= now && r.ends_at > now,
  };
}
