import type { Kysely, Selectable } from 'kysely';
import type { Assignment, AssignmentListQuery, Session, TaskContract } from '@aetherboard/contracts';
import type { AssignmentsTable, DB, SessionsTable } from './tables.js';
import { iso, isoOrNull, parseJson } from './codec.js';

export type AssignmentRow = Selectable<AssignmentsTable>;
export type SessionRow = Selectable<SessionsTable>;

export async function insertAssignment(db: Kysely<DB>, row: AssignmentRow): Promise<void> {
  await db.insertInto('assignments').values(row).execute();
}

export async function getAssignment(db: Kysely<DB>, ws: string, id: string): Promise<AssignmentRow | undefined> {
  return db.selectFrom('assignments').selectAll().where('workspace_id', '=', ws).where('assignment_id', '=', id).executeTakeFirst();
}

export async function updateAssignment(db: Kysely<DB>, ws: string, id: string, patch: Partial<AssignmentRow>): Promise<void> {
  await db.updateTable('assignments').set(patch).where('workspace_id', '=', ws).where('assignment_id', '=', id).execute();
}

export async function listAssignments(db: Kysely<DB>, ws: string, q: Omit<AssignmentListQuery, 'cursor'> & { after?: string }): Promise<AssignmentRow[]> {
  let s = db.selectFrom('assignments').selectAll().where('workspace_id', '=', ws);
  if (q.agent_id) s = s.where('agent_id', '=', q.agent_id);
  if (q.workstream_id) s = s.where('workstream_id', '=', q.workstream_id);
  if (q.status) s = s.where('status', '=', q.status);
  for (const col of ['pod_id', 'team_id'] as const) {
    const v = q[col];
    if (v) s = s.where('agent_id', 'in', db.selectFrom('agents').select('agent_id').where('workspace_id', '=', ws).where(col, '=', v));
  }
  if (q.after !== undefined) s = s.where('assignment_id', '>', q.after);
  return s.orderBy('assignment_id').limit(q.limit + 1).execute();
}

/** Firing hands every open assignment of the agent off so that someone else picks it up. */
export async function handOffOpenAssignments(db: Kysely<DB>, ws: string, agentId: string, now: number): Promise<number> {
  const r = await db
    .updateTable('assignments')
    .set({ status: 'handoff', updated_at: now })
    .where('workspace_id', '=', ws)
    .where('agent_id', '=', agentId)
    .where('status', 'in', ['active', 'blocked'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Contract evidence items with nothing attached that names them. */
export function missingEvidence(r: Pick<AssignmentRow, 'contract' | 'evidence'>): string[] {
  const required = parseJson<TaskContract | null>(r.contract, null)?.evidence ?? [];
  const attached = new Set(parseJson<Array<{ item: string }>>(r.evidence, []).map((e) => e.item.trim().toLowerCase()));
  return required.filter((item) => !attached.has(item.trim().toLowerCase()));
}

export function toAssignment(r: AssignmentRow): Assignment {
  return {
    assignment_id: r.assignment_id,
    agent_id: r.agent_id,
    workstream_id: r.workstream_id,
    task_id: r.task_id,
    role_on_task: r.role_on_task as Assignment['role_on_task'],
    start_at: iso(r.start_at),
    due_at: isoOrNull(r.due_at),
    status: r.status as Assignment['status'],
    blocker_code: r.blocker_code as Assignment['blocker_code'],
    percent_complete: r.percent_complete,
    contract: parseJson<TaskContract | null>(r.contract, null),
    pod_id: r.pod_id,
    dri_id: r.dri_id,
    required_skills: parseJson<string[]>(r.required_skills, []),
    evidence: parseJson<Assignment['evidence']>(r.evidence, []),
    missing_evidence: missingEvidence(r),
    blocked_at: isoOrNull(r.blocked_at),
    completed_at: isoOrNull(r.completed_at),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

export async function insertSession(db: Kysely<DB>, row: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export async function getSession(db: Kysely<DB>, ws: string, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('workspace_id', '=', ws).where('session_id', '=', id).executeTakeFirst();
}

export async function sessionKeyTaken(db: Kysely<DB>, ws: string, key: string): Promise<boolean> {
  const r = await db.selectFrom('sessions').select('session_id').where('workspace_id', '=', ws).where('session_key', '=', key).executeTakeFirst();
  return r !== undefined;
}

export async function updateSession(db: Kysely<DB>, ws: string, id: string, patch: Partial<SessionRow>): Promise<void> {
  await db.updateTable('sessions').set(patch).where('workspace_id', '=', ws).where('session_id', '=', id).execute();
}

export async function listSessions(db: Kysely<DB>, ws: string, agentId: string, f: { active?: boolean; after?: string; limit: number }): Promise<SessionRow[]> {
  let s = db.selectFrom('sessions').selectAll().where('workspace_id', '=', ws).where('agent_id', '=', agentId);
  if (f.active !== undefined) s = s.where('is_active', '=', f.active ? 1 : 0);
  // Session ids are ULIDs, so descending id is newest first.
  if (f.after !== undefined) s = s.where('session_id', '<', f.after);
  return s.orderBy('session_id', 'desc').limit(f.limit + 1).execute();
}

export function toSession(r: SessionRow): Session {
  return {
    session_id: r.session_id,
    agent_id: r.agent_id,
    session_key: r.session_key,
    label: r.label,
    channel: r.channel,
    user_id: r.user_id,
    context_summary: r.context_summary,
    message_count: r.message_count,
    is_active: r.is_active === 1,
    started_at: iso(r.started_at),
    last_message_at: isoOrNull(r.last_message_at),
    ended_at: isoOrNull(r.ended_at),
    metadata: parseJson<Record<string, unknown>>(r.metadata, {}),
  };
}
