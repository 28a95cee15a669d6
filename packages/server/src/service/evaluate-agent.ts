import type { AgentState, AlertKind, Health, HeartbeatStatus, PriorityTier } from '@aetherboard/contracts';
import type { Kysely } from 'kysely';
import { dedupKey, nextEscalationAt, recipientsAt, severityOf, type Recipient } from '../domain/alerts.js';
import { AGENT_CONDITION_KINDS, decideAgent, type AgentSnapshot, type Condition } from '../domain/evaluate.js';
import type { LivenessPolicy } from '../domain/policy.js';
import { getAgent, insertTransition, updateAgent, type AgentRow } from '../store/agents.js';
import { insertAlertOnce, openAlertByKey, openAlertsForAgent, updateAlert, type AlertRow } from '../store/alerts.js';
import { iso, parseJson } from '../store/codec.js';
import { insertEvent } from '../store/events.js';
import type { LivenessRow } from '../store/heartbeats.js';
import { getPod } from '../store/org.js';
import { activeSilences, matchersOf, silenceMatches, type SilenceRow } from '../store/silences.js';
import type { DB } from '../store/tables.js';
import { getWorkspace } from '../store/workspaces.js';
import { stateChangeColumns } from './agents.js';
import type { ServiceContext } from './context.js';

export interface EvalEnv {
  policy: LivenessPolicy;
  now: number;
  silences: SilenceRow[];
  /** A fleet-wide outage is open: per-agent heartbeat pages are folded into it. */
  outage: boolean;
}

export interface EvalOutcome {
  row: AgentRow;
  healthChanged: boolean;
  /** The agent just went silent (heartbeat breach) and the page was held for the fleet breaker. */
  heldBreach: Condition | null;
}

export function snapshotOf(row: LivenessRow): AgentSnapshot {
  return {
    agentId: row.agent_id,
    agentName: row.agent_name,
    health: row.health as Health,
    state: row.current_state as AgentState,
    stateChangedAt: row.state_changed_at,
    tier: row.priority_tier as PriorityTier,
    lastSeenAt: row.last_seen_at,
    monitorSince: row.monitor_since,
    lastStatus: row.last_status as HeartbeatStatus | null,
    errorCount1h: row.error_count,
    blockedSince: row.blocked_since,
    breachTimes: timesOf(row.breach_times),
    degradedTimes: timesOf(row.degraded_times),
  };
}

const NO_TIMES: number[] = Object.freeze([]) as unknown as number[];

/** A stored list of times; most agents have none, and every heartbeat reads two of them. */
function timesOf(json: string): number[] {
  return json === '[]' ? NO_TIMES : parseJson<number[]>(json, []);
}

export async function evalEnv(ctx: ServiceContext, db: Kysely<DB>, ws: string, now: number): Promise<EvalEnv> {
  const policy = await ctx.policies.get(ws, db);
  const active = await activeSilences(db, ws, now);
  const outage = (await openAlertByKey(db, ws, dedupKey('fleet_outage', ws))) !== undefined;
  return { policy, now, silences: active, outage };
}

/**
 * Decides and stores everything about one agent at `env.now`, inside the caller's transaction:
 * the automatic lifecycle move, health and its flip record, and opening or resolving the alerts
 * whose conditions the evaluator owns. Holding a heartbeat page (`holdBreach`) lets the fleet
 * breaker fold thousands of them into one.
 */
export async function evaluateAgent(
  ctx: ServiceContext,
  tx: Kysely<DB>,
  row: AgentRow,
  env: EvalEnv,
  /** `quiet`: the caller announces the change itself (a manual transition, a firing). */
  opts: { holdBreach?: boolean; quiet?: boolean } = {},
): Promise<EvalOutcome> {
  const { now, policy } = env;
  const ws = row.workspace_id;
  const d = decideAgent(snapshotOf(row), policy, now);
  let set: Partial<AgentRow> = {};
  if (d.move) {
    set = stateChangeColumns(row, d.move.to, now);
    await insertTransition(tx, { workspace_id: ws, agent_id: row.agent_id, at: now, from_state: row.current_state, to_state: d.move.to, actor: 'system', reason: d.move.reason });
    await insertEvent(tx, { workspace_id: ws, agent_id: row.agent_id, at: now, type: 'agent.state_changed', from_value: row.current_state, to_value: d.move.to, reason: d.move.reason, payload: { actor: 'system' } });
  }
  const healthChanged = d.plan.health !== row.health;
  Object.assign(set, {
    health: d.plan.health,
    health_reason: d.plan.reason,
    health_changed_at: healthChanged ? now : row.health_changed_at,
    next_deadline: d.plan.nextDeadline,
    breach_times: JSON.stringify(d.breachTimes),
    degraded_times: JSON.stringify(d.degradedTimes),
  });
  if (healthChanged) {
    await insertEvent(tx, { workspace_id: ws, agent_id: row.agent_id, at: now, type: 'agent.health_changed', from_value: row.health, to_value: d.plan.health, reason: d.plan.reason });
  }
  const next = { ...row, ...set } as AgentRow;
  await updateAgent(tx, ws, row.agent_id, set);

  let heldBreach: Condition | null = null;
  const open = await openAlertsForAgent(tx, ws, row.agent_id);
  const present = new Map(d.conditions.map((c) => [c.kind as AlertKind, c]));
  for (const kind of AGENT_CONDITION_KINDS) {
    const alert = open.find((a) => a.kind === kind);
    const cond = present.get(kind);
    if (cond && !alert) {
      if (env.silences.some((s) => silenceMatches(matchersOf(s), next, kind))) continue;
      if (kind === 'heartbeat_breach' && env.outage) continue;
      if (kind === 'heartbeat_breach' && opts.holdBreach) {
        heldBreach = cond;
        continue;
      }
      await openAlert(ctx, tx, next, cond.kind, cond.summary, cond.details, env);
    } else if (!cond && alert) {
      await resolveAlertRow(ctx, tx, alert, 'system', 'condition cleared', now);
    }
  }
  if ((healthChanged || d.move) && !opts.quiet) ctx.bus.emit({ workspace_id: ws, type: d.move ? 'agent.transition' : 'agent.health', agent_id: row.agent_id, data: { health: d.plan.health, state: next.current_state } });
  return { row: next, healthChanged, heldBreach };
}

export interface ReportingLine {
  ownerId: string | null;
  secondaryOwnerId: string | null;
  podLeadId: string | null;
  managerId: string | null;
}

export async function reportingLine(db: Kysely<DB>, ws: string, agent: { owner_id: string; secondary_owner_id: string | null; pod_id: string | null } | null): Promise<ReportingLine> {
  const w = await getWorkspace(db, ws);
  const pod = agent?.pod_id ? await getPod(db, ws, agent.pod_id) : undefined;
  return { ownerId: agent?.owner_id ?? null, secondaryOwnerId: agent?.secondary_owner_id ?? null, podLeadId: pod?.lead_id ?? null, managerId: w?.manager_id ?? null };
}

const notifiedOf = (rs: Recipient[], now: number) => rs.map((r) => ({ member_id: r.member_id, level: r.level, role: r.role, at: iso(now) }));

/** Opens an alert once per dedup key; P1 notifies level 0 at once, P2 waits for the digest. */
export async function openAlert(
  ctx: ServiceContext,
  tx: Kysely<DB>,
  agent: AgentRow | null,
  kind: AlertKind,
  summary: string,
  details: Record<string, unknown>,
  env: { policy: LivenessPolicy; now: number },
  /** Workspace-level alerts name their workspace; others may narrow the dedup subject (e.g. agent:skill). */
  scope?: { workspaceId?: string; subject?: string },
): Promise<AlertRow | null> {
  const ws = agent?.workspace_id ?? scope?.workspaceId ?? '';
  const subject = scope?.subject;
  const { now, policy } = env;
  const severity = severityOf(kind);
  const line = await reportingLine(tx, ws, agent);
  const recipients = severity === 'P1' ? recipientsAt(0, line) : [];
  const row: AlertRow = {
    alert_id: ctx.ids.next(),
    workspace_id: ws,
    kind,
    severity,
    agent_id: agent?.agent_id ?? null,
    dedup_key: dedupKey(kind, subject ?? agent?.agent_id ?? ws),
    status: 'open',
    summary,
    details: JSON.stringify(details),
    opened_at: now,
    acknowledged_at: null,
    acknowledged_by: null,
    ack_note: null,
    resolved_at: null,
    resolved_by: null,
    resolve_note: null,
    escalation_level: 0,
    next_escalation_at: nextEscalationAt({ status: 'open', severity, escalationLevel: 0, openedAt: now, levelSince: now }, policy),
    notified: JSON.stringify(notifiedOf(recipients, now)),
    digested_at: severity === 'P1' ? now : null,
  };
  if (!(await insertAlertOnce(tx, row))) return null;
  await insertEvent(tx, {
    workspace_id: ws,
    agent_id: row.agent_id,
    at: now,
    type: 'alert.opened',
    to_value: kind,
    reason: summary,
    alert_id: row.alert_id,
    payload: { recipients },
    notify: severity === 'P1',
  });
  ctx.bus.emit({ workspace_id: ws, type: 'alert.opened', agent_id: row.agent_id ?? undefined, data: { alert_id: row.alert_id, kind } });
  return row;
}

/** Resolves an alert (by a person, or by `system` when its condition cleared), audited and announced live. */
export async function resolveAlertRow(ctx: ServiceContext, tx: Kysely<DB>, alert: AlertRow, by: string, note: string | null, now: number): Promise<AlertRow> {
  const patch = { status: 'resolved' as const, resolved_at: now, resolved_by: by, resolve_note: note, next_escalation_at: null };
  return moveAlert(ctx, tx, alert, patch, by, note ?? (by === 'system' ? 'condition cleared' : 'resolved'), now);
}

/** Someone is on it: the alert stops escalating. Audited, and announced to P1 subscribers and live. */
export async function acknowledgeAlertRow(ctx: ServiceContext, tx: Kysely<DB>, alert: AlertRow, by: string, note: string | null, now: number): Promise<AlertRow> {
  const patch = { status: 'acknowledged' as const, acknowledged_at: now, acknowledged_by: by, ack_note: note, next_escalation_at: null };
  return moveAlert(ctx, tx, alert, patch, by, note ?? `acknowledged by ${by}`, now);
}

/** Writes an alert's new status, keeps it in the flip history (P1 moves notify) and tells live listeners. */
async function moveAlert(
  ctx: ServiceContext,
  tx: Kysely<DB>,
  alert: AlertRow,
  patch: Partial<AlertRow> & { status: 'resolved' | 'acknowledged' },
  by: string,
  reason: string,
  now: number,
): Promise<AlertRow> {
  await updateAlert(tx, alert.alert_id, patch);
  await insertEvent(tx, {
    workspace_id: alert.workspace_id,
    agent_id: alert.agent_id,
    at: now,
    type: `alert.${patch.status}`,
    from_value: alert.status,
    to_value: patch.status,
    reason,
    alert_id: alert.alert_id,
    payload: { by },
    notify: alert.severity === 'P1',
  });
  ctx.bus.emit({ workspace_id: alert.workspace_id, type: `alert.${patch.status}`, agent_id: alert.agent_id ?? undefined, data: { alert_id: alert.alert_id } });
  return { ...alert, ...patch };
}

/** Climbs one level of the reporting line for an unacknowledged P1 alert. */
export async function escalateAlert(ctx: ServiceContext, tx: Kysely<DB>, alert: AlertRow, policy: LivenessPolicy, now: number): Promise<void> {
  const level = alert.escalation_level + 1;
  const agent = alert.agent_id ? ((await getAgent(tx, alert.workspace_id, alert.agent_id)) ?? null) : null;
  const recipients = recipientsAt(level, await reportingLine(tx, alert.workspace_id, agent));
  const notified = [...parseJson<unknown[]>(alert.notified, []), ...notifiedOf(recipients, now)];
  await updateAlert(tx, alert.alert_id, {
    escalation_level: level,
    notified: JSON.stringify(notified),
    next_escalation_at: nextEscalationAt({ status: 'open', severity: 'P1', escalationLevel: level, openedAt: alert.opened_at, levelSince: now }, policy),
  });
  await insertEvent(tx, {
    workspace_id: alert.workspace_id,
    agent_id: alert.agent_id,
    at: now,
    type: 'alert.escalated',
    from_value: String(alert.escalation_level),
    to_value: String(level),
    reason: `unacknowledged for ${Math.round(policy.ackTimeoutMs / 60_000)} min`,
    alert_id: alert.alert_id,
    payload: { recipients },
  });
  ctx.bus.emit({ workspace_id: alert.workspace_id, type: 'alert.escalated', agent_id: alert.agent_id ?? undefined, data: { alert_id: alert.alert_id, level } });
}
