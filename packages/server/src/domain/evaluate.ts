import type { AgentState, AlertKind, Health } from '@aetherboard/contracts';
import { healthRank } from './health.js';
import { isMonitored } from './lifecycle.js';
import { planLiveness, type LivenessFacts, type LivenessPlan } from './liveness.js';
import type { LivenessPolicy } from './policy.js';

/** Alert kinds whose condition is decided per agent by the liveness evaluator. */
export const AGENT_CONDITION_KINDS = [
  'heartbeat_breach',
  'agent_offline',
  'repeated_degraded',
  'p0_assignment_blocked',
  'degraded_timeout',
  'error_trend_rising',
] as const satisfies readonly AlertKind[];
export type AgentConditionKind = (typeof AGENT_CONDITION_KINDS)[number];

export interface Condition {
  kind: AgentConditionKind;
  summary: string;
  details: Record<string, unknown>;
}

export interface AgentDecision {
  move: { to: AgentState; reason: string } | null;
  plan: LivenessPlan;
  previousHealth: Health;
  breachTimes: number[];
  degradedTimes: number[];
  /** Conditions present now; every other evaluator-owned kind is absent and its alert resolves. */
  conditions: Condition[];
}

export interface AgentSnapshot extends LivenessFacts {
  agentId: string;
  agentName: string;
  health: Health;
  degradedTimes: number[];
}

const minutes = (ms: number): string => `${Math.round(ms / 60_000)} min`;

/**
 * Everything the evaluator decides about one agent at `now`: an automatic lifecycle move, the
 * health that follows, and which alert conditions hold. Pure: the engine stores what this says.
 */
export function decideAgent(a: AgentSnapshot, policy: LivenessPolicy, now: number): AgentDecision {
  let facts: LivenessFacts = a;
  let degradedTimes = inWindow(a.degradedTimes, policy, now);
  let move: AgentDecision['move'] = null;

  const blockedLimit = policy.blockedLimitMs[a.tier];
  if (a.state === 'blocked' && now - a.stateChangedAt >= blockedLimit) {
    move = { to: 'escalated', reason: `blocked longer than ${minutes(blockedLimit)} (${a.tier})` };
  }
  let plan = planLiveness(facts, policy, now);
  if (!move && a.state === 'executing' && healthRank(plan.health) >= healthRank('breach')) {
    move = { to: 'degraded', reason: `heartbeat ${plan.health}: ${plan.reason}` };
  }
  if (move) {
    facts = { ...facts, state: move.to, stateChangedAt: now, blockedSince: move.to === 'escalated' ? (a.blockedSince ?? a.stateChangedAt) : a.blockedSince };
    if (move.to === 'degraded') degradedTimes = [...degradedTimes, now];
    plan = planLiveness(facts, policy, now);
  }

  let breachTimes = inWindow(a.breachTimes, policy, now);
  if (healthRank(plan.health) >= healthRank('breach') && healthRank(a.health) < healthRank('breach')) {
    breachTimes = [...breachTimes, now];
    plan = planLiveness({ ...facts, breachTimes }, policy, now);
  }

  const conditions: Condition[] = [];
  const monitored = isMonitored(facts.state);
  if (monitored && plan.misses >= 2) {
    conditions.push({ kind: 'heartbeat_breach', summary: `${a.agentName} missed ${plan.misses} heartbeats`, details: { misses: plan.misses, last_seen_at: a.lastSeenAt } });
  }
  if (monitored && a.lastStatus === 'offline') {
    conditions.push({ kind: 'agent_offline', summary: `${a.agentName} reported offline`, details: {} });
  }
  if (degradedTimes.length >= policy.repeatedDegradedCount) {
    conditions.push({
      kind: 'repeated_degraded',
      summary: `${a.agentName} degraded ${degradedTimes.length} times in 24 h`,
      details: { count: degradedTimes.length },
    });
  }
  const blockedFor = facts.blockedSince === null ? 0 : now - facts.blockedSince;
  if (a.tier === 'P0' && (facts.state === 'blocked' || facts.state === 'escalated') && facts.blockedSince !== null && blockedFor >= blockedLimit) {
    conditions.push({
      kind: 'p0_assignment_blocked',
      summary: `P0 agent ${a.agentName} blocked for ${minutes(blockedFor)}`,
      details: { blocked_since: facts.blockedSince },
    });
  }
  const degradedLimit = policy.degradedLimitMs[a.tier];
  if (facts.state === 'degraded' && now - facts.stateChangedAt >= degradedLimit) {
    conditions.push({
      kind: 'degraded_timeout',
      summary: `${a.agentName} degraded for over ${minutes(degradedLimit)}: reassign its work`,
      details: { recommendation: 'reassign', degraded_since: facts.stateChangedAt },
    });
  }
  if (monitored && a.errorCount1h !== null && a.errorCount1h > policy.errorBudget1h) {
    conditions.push({
      kind: 'error_trend_rising',
      summary: `${a.agentName}: ${a.errorCount1h} errors in the last hour (budget ${policy.errorBudget1h})`,
      details: { error_count_1h: a.errorCount1h, budget: policy.errorBudget1h },
    });
  }

  // Keep looking at this agent while a timed condition can still change.
  let next = plan.nextDeadline;
  if (degradedTimes.length > 0) next = later(next, Math.min(...degradedTimes) + policy.repeatedBreachWindowMs, now);
  if (facts.state === 'degraded') next = later(next, facts.stateChangedAt + degradedLimit, now);
  if (a.tier === 'P0' && facts.blockedSince !== null && (facts.state === 'blocked' || facts.state === 'escalated')) next = later(next, facts.blockedSince + blockedLimit, now);
  if (next !== plan.nextDeadline) plan = { ...plan, nextDeadline: next };

  return { move, plan, previousHealth: a.health, breachTimes, degradedTimes, conditions };
}

/** `next`, or `t` if that is a sooner moment still in the future. */
function later(next: number | null, t: number, now: number): number | null {
  return t > now && (next === null || t < next) ? t : next;
}

/** The times still inside the rolling window (the same array when there are none to drop). */
function inWindow(ts: number[], policy: LivenessPolicy, now: number): number[] {
  if (ts.length === 0) return ts;
  return ts.filter((t) => now - t < policy.repeatedBreachWindowMs);
}
