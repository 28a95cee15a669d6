import type { AgentState, AssignmentStatus, AttachEvidence, PriorityTier, CreateAssignment, CreateSession, UpdateAssignment, UpdateSession } from '@aetherboard/contracts';
import { assertAssignmentChange } from '../domain/assignments.js';
import { DomainError, conflict, notFound, unknownReference } from '../domain/errors.js';
import { assertWritable, isClosed } from '../domain/lifecycle.js';
import { getAgent } from '../store/agents.js';
import { getMember, getPod } from '../store/org.js';
import { governanceOf } from './governance.js';
import { assertSkillsUsable } from './skills.js';
import type { Kysely } from 'kysely';
import { iso, msOrNull, parseJson } from '../store/codec.js';
import type { DB } from '../store/tables.js';
import {
  getAssignment,
  getSession,
  insertAssignment,
  missingEvidence,
  insertSession,
  sessionKeyTaken,
  updateAssignment,
  updateSession,
  type AssignmentRow,
  type SessionRow,
} from '../store/work.js';
import type { ServiceContext } from './context.js';

export async function createAssignment(ctx: ServiceContext, ws: string, body: CreateAssignment): Promise<AssignmentRow> {
  const now = ctx.clock.now();
  const row = await ctx.database.db.transaction().execute((tx) => insertNewAssignment(ctx, tx, ws, body, now));
  ctx.bus.emit({ workspace_id: ws, type: 'assignment.created', agent_id: row.agent_id, data: { assignment_id: row.assignment_id } });
  return row;
}

/** Checks and stores new work inside the caller's transaction: agent open, contract and skills as required, cross-pod DRI. */
async function insertNewAssignment(ctx: ServiceContext, tx: Kysely<DB>, ws: string, body: CreateAssignment, now: number): Promise<AssignmentRow> {
  const id = body.assignment_id ?? ctx.ids.next();
  const agent = await getAgent(tx, ws, body.agent_id);
  if (!agent) throw unknownReference('agent_id', body.agent_id, 'agent');
  if (isClosed(agent.current_state)) {
    throw conflict(`agent '${body.agent_id}' is ${agent.current_state} and takes no new work`, { agent_id: body.agent_id });
  }
  if (await getAssignment(tx, ws, id)) throw conflict(`assignment '${id}' already exists`, { field: 'assignment_id' });
  const { settings } = await governanceOf(tx, ws);
  if (!body.contract && settings.contract_required_tiers.includes(agent.priority_tier as PriorityTier)) {
    throw new DomainError('validation_failed', `a task contract is required for ${agent.priority_tier} work`, [
      { path: 'body.contract', message: `required for ${settings.contract_required_tiers.join('/')} agents (scope, non-goals, inputs, dependencies, definition of done, evidence, rollback)` },
    ]);
  }
  await assertSkillsUsable(tx, ws, body.agent_id, body.required_skills ?? [], now);
  if (body.pod_id !== undefined && !(await getPod(tx, ws, body.pod_id))) throw unknownReference('pod_id', body.pod_id, 'pod');
  if (body.dri_id !== undefined && !(await getMember(tx, ws, body.dri_id))) throw unknownReference('dri_id', body.dri_id, 'member or agent');
  if (body.pod_id !== undefined && body.pod_id !== agent.pod_id && body.dri_id === undefined) {
    throw new DomainError('validation_failed', `cross-pod work (pod '${body.pod_id}', agent in '${agent.pod_id ?? 'no pod'}') must name one DRI`, [
      { path: 'body.dri_id', message: 'required for cross-pod assignments' },
    ]);
  }
  const startAt = msOrNull(body.start_at) ?? now;
  const dueAt = msOrNull(body.due_at);
  if (dueAt !== null && dueAt < startAt) {
    throw new DomainError('validation_failed', 'due_at is before start_at', [{ path: 'body.due_at', message: 'must not be before start_at' }]);
  }
  const r: AssignmentRow = {
    workspace_id: ws,
    assignment_id: id,
    agent_id: body.agent_id,
    workstream_id: body.workstream_id,
    task_id: body.task_id ?? null,
    role_on_task: body.role_on_task,
    start_at: startAt,
    due_at: dueAt,
    status: 'active',
    blocker_code: null,
    percent_complete: 0,
    contract: body.contract ? JSON.stringify(body.contract) : null,
    pod_id: body.pod_id ?? null,
    dri_id: body.dri_id ?? null,
    required_skills: JSON.stringify(body.required_skills ?? []),
    evidence: '[]',
    blocked_at: null,
    completed_at: null,
    created_at: now,
    updated_at: now,
  };
  await insertAssignment(tx, r);
  return r;
}

/**
 * Hands open work (active or blocked) to another agent in one transaction: the same work, contract
 * and deadline become a new assignment of `to`, checked like any new work, and the original ends
 * as `handoff`. Either both happen or neither does.
 */
export async function reassignAssignment(ctx: ServiceContext, ws: string, id: string, to: string): Promise<{ from: AssignmentRow; to: AssignmentRow }> {
  const now = ctx.clock.now();
  const r = await ctx.database.db.transaction().execute(async (tx) => {
    const cur = await getAssignment(tx, ws, id);
    if (!cur) throw notFound('assignment', id);
    // Ended work stays ended: the domain's rule, checked before anything is written.
    assertAssignmentChange(id, cur.status as AssignmentStatus, 'handoff');
    if (cur.agent_id === to) throw conflict(`assignment '${id}' is already with agent '${to}'`, { agent_id: to });
    const contract = parseJson<CreateAssignment['contract'] | null>(cur.contract, null);
    const next = await insertNewAssignment(
      ctx,
      tx,
      ws,
      {
        agent_id: to,
        workstream_id: cur.workstream_id,
        role_on_task: cur.role_on_task as CreateAssignment['role_on_task'],
        ...(cur.task_id !== null && { task_id: cur.task_id }),
        // The work keeps its timeline: an overdue task stays overdue with its new agent.
        start_at: iso(cur.start_at),
        ...(cur.due_at !== null && { due_at: iso(cur.due_at) }),
        ...(contract && { contract }),
        ...(cur.pod_id !== null && { pod_id: cur.pod_id }),
        ...(cur.dri_id !== null && { dri_id: cur.dri_id }),
        required_skills: parseJson<string[]>(cur.required_skills, []),
      },
      now,
    );
    const set: Partial<AssignmentRow> = { status: 'handoff', updated_at: now };
    await updateAssignment(tx, ws, id, set);
    return { from: { ...cur, ...set } as AssignmentRow, to: next };
  });
  ctx.bus.emit({ workspace_id: ws, type: 'assignment.updated', agent_id: r.from.agent_id, data: { assignment_id: id, status: 'handoff' } });
  ctx.bus.emit({ workspace_id: ws, type: 'assignment.created', agent_id: r.to.agent_id, data: { assignment_id: r.to.assignment_id } });
  return r;
}

export async function changeAssignment(
  ctx: ServiceContext,
  ws: string,
  id: string,
  patch: UpdateAssignment,
  authorize: (agentId: string) => void,
): Promise<AssignmentRow> {
  const now = ctx.clock.now();
  const row = await ctx.database.db.transaction().execute(async (tx) => {
    const cur = await getAssignment(tx, ws, id);
    if (!cur) throw notFound('assignment', id);
    authorize(cur.agent_id);
    const from = cur.status as AssignmentStatus;
    assertAssignmentChange(id, from, patch.status);
    const to = patch.status ?? from;
    const set: Partial<AssignmentRow> = { updated_at: now, status: to };
    if (patch.percent_complete !== undefined) set.percent_complete = patch.percent_complete;
    if (patch.blocker_code !== undefined) set.blocker_code = patch.blocker_code;
    if (patch.due_at !== undefined) set.due_at = msOrNull(patch.due_at);
    if (to === 'blocked' && from !== 'blocked') set.blocked_at = now;
    if (to === 'active' && from === 'blocked') {
      set.blocked_at = null;
      if (patch.blocker_code === undefined) set.blocker_code = null;
    }
    if (to === 'done') {
      const missing = missingEvidence(cur);
      if (missing.length > 0) throw conflict(`assignment '${id}' cannot be done before its evidence is attached: ${missing.join('; ')}`, { missing_evidence: missing });
      set.completed_at = now;
      set.percent_complete = 100;
    }
    await updateAssignment(tx, ws, id, set);
    return { ...cur, ...set } as AssignmentRow;
  });
  ctx.bus.emit({ workspace_id: ws, type: 'assignment.updated', agent_id: row.agent_id, data: { assignment_id: id, status: row.status } });
  return row;
}

export async function openSession(ctx: ServiceContext, ws: string, agentId: string, body: CreateSession): Promise<SessionRow> {
  const now = ctx.clock.now();
  return ctx.database.db.transaction().execute(async (tx) => {
    const agent = await getAgent(tx, ws, agentId);
    if (!agent) throw notFound('agent', agentId);
    assertWritable(agentId, agent.current_state as AgentState);
    if (await sessionKeyTaken(tx, ws, body.session_key)) throw conflict(`session_key '${body.session_key}' is already in use`, { field: 'session_key' });
    const r: SessionRow = {
      workspace_id: ws,
      session_id: ctx.ids.next(),
      agent_id: agentId,
      session_key: body.session_key,
      label: body.label ?? null,
      channel: body.channel ?? null,
      user_id: body.user_id ?? null,
      context_summary: body.context_summary ?? null,
      message_count: 0,
      is_active: 1,
      started_at: now,
      last_message_at: null,
      ended_at: null,
      metadata: JSON.stringify(body.metadata ?? {}),
    };
    await insertSession(tx, r);
    return r;
  });
}

export async function changeSession(
  ctx: ServiceContext,
  ws: string,
  id: string,
  patch: UpdateSession,
  authorize: (agentId: string) => void,
): Promise<SessionRow> {
  const now = ctx.clock.now();
  return ctx.database.db.transaction().execute(async (tx) => {
    const cur = await getSession(tx, ws, id);
    if (!cur) throw notFound('session', id);
    authorize(cur.agent_id);
    if (cur.is_active === 0 && patch.is_active !== true && Object.keys(patch).some((k) => k !== 'context_summary' && k !== 'label')) {
      throw conflict(`session '${id}' has ended; only its label and summary may still change`);
    }
    const set: Partial<SessionRow> = {};
    if (patch.label !== undefined) set.label = patch.label;
    if (patch.context_summary !== undefined) set.context_summary = patch.context_summary;
    if (patch.message_count !== undefined) set.message_count = patch.message_count;
    if (patch.last_message_at !== undefined) set.last_message_at = msOrNull(patch.last_message_at);
    if (patch.metadata !== undefined) set.metadata = JSON.stringify(patch.metadata);
    if (patch.is_active === false && cur.is_active === 1) {
      set.is_active = 0;
      set.ended_at = now;
    } else if (patch.is_active === true && cur.is_active === 0) {
      set.is_active = 1;
      set.ended_at = null;
    }
    if (Object.keys(set).length > 0) await updateSession(tx, ws, id, set);
    return { ...cur, ...set } as SessionRow;
  });
}

/** Attaches one piece of evidence to an assignment's contract (a test run, a log, a rollback plan). */
export async function attachEvidence(ctx: ServiceContext, ws: string, id: string, body: AttachEvidence, actor: string, authorize: (agentId: string) => void): Promise<AssignmentRow> {
  const now = ctx.clock.now();
  return ctx.database.db.transaction().execute(async (tx) => {
    const cur = await getAssignment(tx, ws, id);
    if (!cur) throw notFound('assignment', id);
    authorize(cur.agent_id);
    if (cur.status === 'done' || cur.status === 'handoff') throw conflict(`assignment '${id}' is ${cur.status}; evidence is attached before it ends`);
    const evidence = [...JSON.parse(cur.evidence), { item: body.item, url: body.url ?? null, note: body.note ?? null, attached_by: actor, attached_at: new Date(now).toISOString() }];
    const set = { evidence: JSON.stringify(evidence), updated_at: now };
    await updateAssignment(tx, ws, id, set);
    return { ...cur, ...set };
  });
}
