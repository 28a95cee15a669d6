import type { Kysely } from 'kysely';
import { podSizeWarning } from '../domain/pods.js';
import { CLOSED_STATES } from '../domain/lifecycle.js';
import type { Member, MemberKind, Pod } from '@aetherboard/contracts';
import type { DB } from './tables.js';
import { iso } from './codec.js';

export async function insertMember(
  db: Kysely<DB>,
  m: { workspace_id: string; member_id: string; name: string; kind: MemberKind; email: string | null; now: number },
): Promise<void> {
  await db
    .insertInto('members')
    .values({ workspace_id: m.workspace_id, member_id: m.member_id, name: m.name, kind: m.kind, email: m.email, status: 'active', created_at: m.now, updated_at: m.now })
    .execute();
}

export async function getMember(db: Kysely<DB>, ws: string, memberId: string) {
  return db.selectFrom('members').selectAll().where('workspace_id', '=', ws).where('member_id', '=', memberId).executeTakeFirst();
}

export async function updateMember(db: Kysely<DB>, ws: string, memberId: string, patch: Partial<Pick<DB['members'], 'name' | 'email' | 'status'>>, now: number) {
  await db.updateTable('members').set({ ...patch, updated_at: now }).where('workspace_id', '=', ws).where('member_id', '=', memberId).execute();
}

export async function listMembers(db: Kysely<DB>, ws: string, f: { kind?: string; status?: string; after?: string; limit: number }) {
  let q = db.selectFrom('members').selectAll().where('workspace_id', '=', ws);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.after !== undefined) q = q.where('member_id', '>', f.after);
  return q.orderBy('member_id').limit(f.limit + 1).execute();
}

export function toMember(r: DB['members']): Member {
  return {
    member_id: r.member_id,
    name: r.name,
    kind: r.kind as Member['kind'],
    email: r.email,
    status: r.status as Member['status'],
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

export async function insertPod(db: Kysely<DB>, p: { workspace_id: string; pod_id: string; name: string; team_id: string; lead_id: string; now: number }) {
  await db
    .insertInto('pods')
    .values({ workspace_id: p.workspace_id, pod_id: p.pod_id, name: p.name, team_id: p.team_id, lead_id: p.lead_id, created_at: p.now, updated_at: p.now })
    .execute();
}

export async function getPod(db: Kysely<DB>, ws: string, podId: string) {
  return db.selectFrom('pods').selectAll().where('workspace_id', '=', ws).where('pod_id', '=', podId).executeTakeFirst();
}

export async function updatePod(db: Kysely<DB>, ws: string, podId: string, patch: Partial<Pick<DB['pods'], 'name' | 'team_id' | 'lead_id'>>, now: number) {
  await db.updateTable('pods').set({ ...patch, updated_at: now }).where('workspace_id', '=', ws).where('pod_id', '=', podId).execute();
}

export async function listPods(db: Kysely<DB>, ws: string, f: { team_id?: string; after?: string; limit: number }) {
  let q = db.selectFrom('pods').selectAll().where('workspace_id', '=', ws);
  if (f.team_id) q = q.where('team_id', '=', f.team_id);
  if (f.after !== undefined) q = q.where('pod_id', '>', f.after);
  return q.orderBy('pod_id').limit(f.limit + 1).execute();
}

export async function countAgentsByPod(db: Kysely<DB>, ws: string, podIds: string[]): Promise<Map<string, number>> {
  if (podIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('agents')
    .select(['pod_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', ws)
    .where('pod_id', 'in', podIds)
    .where('current_state', 'not in', [...CLOSED_STATES])
    .groupBy('pod_id')
    .execute();
  return new Map(rows.map((r) => [r.pod_id ?? '', Number(r.n)]));
}

/** A pod as the API shows it; `size` is the workspace's pod-size range (governance settings). */
export function toPod(r: DB['pods'], agentCount: number, size: { min: number; max: number }): Pod {
  return {
    pod_id: r.pod_id,
    name: r.name,
    team_id: r.team_id,
    lead_id: r.lead_id,
    agent_count: agentCount,
    size_warning: podSizeWarning(agentCount, size.min, size.max),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}
