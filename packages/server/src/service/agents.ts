import type { AgentState, CreateAgent, FireReason, FireRecord, UpdateAgent } from '@aetherboard/contracts';
import { DomainError, conflict, notFound, unknownReference } from '../domain/errors.js';
import { assertFireable, assertTransition, assertWritable, isMonitored } from '../domain/lifecycle.js';
import { getAgent, insertAgent, insertTransition, updateAgent, type AgentRow } from '../store/agents.js';
import { getMember, getPod, insertMember } from '../store/org.js';
import { handOffOpenAssignments } from '../store/work.js';
import { parseJson } from '../store/codec.js';
import type { Kysely } from 'kysely';
import type { DB } from '../store/tables.js';
import type { ServiceContext } from './context.js';
import { evalEnv, evaluateAgent } from './evaluate-agent.js';
import { insertEvent } from '../store/events.js';

/** Throws `unknown_reference` unless `id` is a member (a person or lead agent) of the workspace. */
export async function assertMember(db: Kysely<DB>, ws: string, field: string, id: string): Promise<void> {
  if (!(await getMember(db, ws, id))) throw unknownReference(field, id, 'member or agent');
}

async function assertPod(db: Kysely<DB>, ws: string, podId: string): Promise<void> {
  if (!(await getPod(db, ws, podId))) throw unknownReference('pod_id', podId, 'pod');
}

/** The row a registration writes: `registered`, not monitored, no history yet. */
export function newAgentRow(ws: string, agentId: string, body: CreateAgent, now: number): AgentRow {
  return {
    workspace_id: ws,
    agent_id: agentId,
    agent_name: body.agent_name,
    agent_type: body.agent_type,
    capability_tags: JSON.stringify(body.capability_tags),
    model_profile: body.model_profile,
    model: body.model ?? null,
    role: body.role ?? null,
    owner_id: body.owner_id,
    secondary_owner_id: body.secondary_owner_id ?? null,
    team_id: body.team_id,
    pod_id: body.pod_id ?? null,
    priority_tier: body.priority_tier,
    risk_level: body.risk_level,
    cost_budget_daily: body.cost_budget_daily ?? null,
    notes: body.notes ?? null,
    current_state: 'registered',
    state_changed_at: now,
    health: 'not_monitored',
    health_reason: 'not monitored while registered',
    health_changed_at: now,
    monitor_since: null,
    blocked_since: null,
    next_deadline: null,
    last_beat_seq: null,
    breach_times: '[]',
    degraded_times: '[]',
    last_seen_at: null,
    last_status: null,
    last_work_mode: null,
    last_summary: null,
    queue_depth: null,
    token_burn_1h: null,
    latency_p95_ms: null,
    error_count: 0,
    last_error: null,
    fired_count: 0,
    fire_history: '[]',
    terminated_at: null,
    total_tasks: 0,
    successful_tasks: 0,
    failed_tasks: 0,
    total_response_ms: 0,
    created_at: now,
    updated_at: now,
  };
}

export async function registerAgent(ctx: ServiceContext, ws: string, body: CreateAgent, actor: string): Promise<AgentRow> {
  const now = ctx.clock.now();
  const agentId = body.agent_id ?? ctx.ids.next();
  const row = await ctx.database.db.transaction().execute(async (tx) => {
    const existingMember = await getMember(tx, ws, agentId);
    if (existingMember && existingMember.kind !== 'agent') {
      throw conflict(`id '${agentId}' already belongs to a human member`, { field: 'agent_id' });
    }
    if (await getAgent(tx, ws, agentId)) throw conflict(`agent '${agentId}' already exists`, { field: 'agent_id' });
    if (body.owner_id === agentId) throw new DomainError('validation_failed', 'an agent cannot own itself', [{ path: 'owner_id', message: 'must name someone else' }]);
    await assertMember(tx, ws, 'owner_id', body.owner_id);
    if (body.secondary_owner_id !== undefined) await assertMember(tx, ws, 'secondary_owner_id', body.secondary_owner_id);
    if (body.pod_id !== undefined) await assertPod(tx, ws, body.pod_id);
    // Humans and agents are the same kind of node: every agent is also a member who can own others.
    if (!existingMember) await insertMember(tx, { workspace_id: ws, member_id: agentId, name: body.agent_name, kind: 'agent', email: null, now });
    const r = newAgentRow(ws, agentId, body, now);
    await insertAgent(tx, r);
    await insertTransition(tx, { workspace_id: ws, agent_id: agentId, at: now, from_state: 'registered', to_state: 'registered', actor, reason: 'registered' });
    return r;
  });
  ctx.bus.emit({ workspace_id: ws, type: 'agent.registered', agent_id: agentId });
  return row;
}

export async function loadAgent(ctx: ServiceContext, ws: string, agentId: string): Promise<AgentRow> {
  const row = await getAgent(ctx.database.db, ws, agentId);
  if (!row) throw notFound('agent', agentId);
  return row;
}

export async function updateAgentMeta(ctx: ServiceContext, ws: string, agentId: string, patch: UpdateAgent): Promise<AgentRow> {
  const now = ctx.clock.now();
  const row = await ctx.database.db.transaction().execute(async (tx) => {
    const cur = await getAgent(tx, ws, agentId, { forUpdate: true, dialect: ctx.database.dialect });
    if (!cur) throw notFound('agent', agentId);
    assertWritable(agentId, cur.current_state as AgentState);
    if (patch.owner_id !== undefined) {
      if (patch.owner_id === agentId) throw new DomainError('validation_failed', 'an agent cannot own itself', [{ path: 'owner_id', message: 'must name someone else' }]);
      await assertMember(tx, ws, 'owner_id', patch.owner_id);
    }
    if (patch.secondary_owner_id) await assertMember(tx, ws, 'secondary_owner_id', patch.secondary_owner_id);
    if (patch.pod_id) await assertPod(tx, ws, patch.pod_id);
    const set: Partial<AgentRow> = { updated_at: now };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      (set as Record<string, unknown>)[k] = k === 'capability_tags' ? JSON.stringify(v) : v;
    }
    await updateAgent(tx, ws, agentId, set);
    const next = { ...cur, ...set } as AgentRow;
    // A new tier means a new cadence: health and the next deadline move with it.
    if (patch.priority_tier !== undefined && patch.priority_tier !== cur.priority_tier) {
      return (await evaluateAgent(ctx, tx, next, await evalEnv(ctx, tx, ws, now), { quiet: true })).row;
    }
    return next;
  });
  ctx.bus.emit({ workspace_id: ws, type: 'agent.updated', agent_id: agentId });
  return row;
}

/** The columns a state change touches besides the state itself. */
export function stateChangeColumns(cur: AgentRow, to: AgentState, now: number): Partial<AgentRow> {
  const from = cur.current_state as AgentState;
  const set: Partial<AgentRow> = { current_state: to, state_changed_at: now, updated_at: now };
  // Monitoring starts afresh whenever an agent re-enters the monitored states.
  if (isMonitored(to) && !isMonitored(from)) set.monitor_since = now;
  if (!isMonitored(to)) set.monitor_since = null;
  if (to === 'blocked') set.blocked_since = cur.blocked_since ?? now;
  else if (to !== 'escalated') set.blocked_since = cur.last_status === 'blocked' && isMonitored(to) ? cur.blocked_since : null;
  return set;
}

export async function transitionAgent(
  ctx: ServiceContext,
  ws: string,
  agentId: string,
  to: AgentState,
  reason: string,
  actor: string,
): Promise<AgentRow> {
  const now = ctx.clock.now();
  const row = await ctx.database.db.transaction().execute(async (tx) => {
    const cur = await getAgent(tx, ws, agentId, { forUpdate: true, dialect: ctx.database.dialect });
    if (!cur) throw notFound('agent', agentId);
    const from = cur.current_state as AgentState;
    assertTransition(agentId, from, to);
    const set = stateChangeColumns(cur, to, now);
    await updateAgent(tx, ws, agentId, set);
    await recordStateChange(tx, ws, agentId, now, from, to, actor, reason);
    return (await evaluateAgent(ctx, tx, { ...cur, ...set } as AgentRow, await evalEnv(ctx, tx, ws, now), { quiet: true })).row;
  });
  ctx.bus.emit({ workspace_id: ws, type: 'agent.transition', agent_id: agentId, data: { to } });
  return row;
}

export async function fireAgent(
  ctx: ServiceContext,
  ws: string,
  agentId: string,
  reason: FireReason,
  context: string | undefined,
  actor: string,
): Promise<AgentRow> {
  const now = ctx.clock.now();
  const row = await ctx.database.db.transaction().execute(async (tx) => {
    const cur = await getAgent(tx, ws, agentId, { forUpdate: true, dialect: ctx.database.dialect });
    if (!cur) throw notFound('agent', agentId);
    const from = cur.current_state as AgentState;
    assertFireable(agentId, from, reason);
    const history = parseJson<FireRecord[]>(cur.fire_history, []);
    history.push({ fired_at: new Date(now).toISOString(), reason, context: context ?? null, actor, from_state: from });
    const set: Partial<AgentRow> = {
      ...stateChangeColumns(cur, 'retired', now),
      fire_history: JSON.stringify(history),
      fired_count: cur.fired_count + 1,
      terminated_at: now,
    };
    await updateAgent(tx, ws, agentId, set);
    const handedOff = await handOffOpenAssignments(tx, ws, agentId, now);
    const why = `fired: ${reason}${context ? ` (${context})` : ''}${handedOff > 0 ? `; ${handedOff} assignment(s) handed off` : ''}`;
    await recordStateChange(tx, ws, agentId, now, from, 'retired', actor, why);
    return (await evaluateAgent(ctx, tx, { ...cur, ...set } as AgentRow, await evalEnv(ctx, tx, ws, now), { quiet: true })).row;
  });
  ctx.bus.emit({ workspace_id: ws, type: 'agent.fired', agent_id: agentId, data: { reason } });
  return row;
}

/** Every state change is an audit record and an entry of the agent's flip history. */
export async function recordStateChange(
  tx: Kysely<DB>,
  ws: string,
  agentId: string,
  at: number,
  from: string,
  to: string,
  actor: string,
  reason: string,
): Promise<void> {
  await insertTransition(tx, { workspace_id: ws, agent_id: agentId, at, from_state: from, to_state: to, actor, reason });
  await insertEvent(tx, { workspace_id: ws, agent_id: agentId, at, type: 'agent.state_changed', from_value: from, to_value: to, reason, payload: { actor } });
}
