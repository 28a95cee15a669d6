import type { AgentState, Health, HeartbeatStatus, PriorityTier } from '@aetherboard/contracts';
import { isMonitored } from './lifecycle.js';
import type { LivenessPolicy } from './policy.js';

export interface HealthInput {
  state: AgentState;
  tier: PriorityTier;
  /** Server receive time of the last heartbeat. */
  lastSeenAt: number | null;
  /** When monitoring (re)started: entering a monitored state, or the server's own restart. */
  monitorSince: number;
  lastStatus: HeartbeatStatus | null;
  errorCount1h: number | null;
  /** Since when the agent has been blocked (state or reported status), if it is. */
  blockedSince: number | null;
  /** How many times the agent entered breach or worse within the rolling window. */
  recentBreaches: number;
}

export interface HealthVerdict {
  health: Health;
  reason: string;
  misses: number;
  /** The next moment this verdict changes if nothing else happens; null when it cannot. */
  nextChangeAt: number | null;
}

const SEVERITY: Record<Health, number> = { not_monitored: -1, healthy: 0, at_risk: 1, breach: 2, critical: 3 };

export const healthRank = (h: Health): number => SEVERITY[h];

export function graceMs(policy: LivenessPolicy, tier: PriorityTier): number {
  return Math.min(0.25, Math.max(0, policy.graceFraction)) * policy.cadenceMs[tier];
}

/** Whole intervals missed since the later of the last beat and the start of monitoring. */
export function countMisses(input: HealthInput, policy: LivenessPolicy, now: number): number {
  const interval = policy.cadenceMs[input.tier];
  const ref = Math.max(input.lastSeenAt ?? Number.NEGATIVE_INFINITY, input.monitorSince);
  const late = now - ref - graceMs(policy, input.tier);
  return late < interval ? 0 : Math.floor(late / interval);
}

/** Contract §6: the health table, evaluated at `now`. */
export function evaluateHealth(input: HealthInput, policy: LivenessPolicy, now: number): HealthVerdict {
  if (!isMonitored(input.state)) {
    return { health: 'not_monitored', reason: `not monitored while ${input.state}`, misses: 0, nextChangeAt: null };
  }
  const interval = policy.cadenceMs[input.tier];
  const ref = Math.max(input.lastSeenAt ?? Number.NEGATIVE_INFINITY, input.monitorSince);
  const misses = countMisses(input, policy, now);
  const grace = graceMs(policy, input.tier);
  const nextMissAt = misses < 3 ? ref + grace + (misses + 1) * interval : null;
  const blockedLimit = policy.blockedLimitMs[input.tier];
  const blockedOverdue = input.blockedSince !== null && now - input.blockedSince >= blockedLimit;
  const blockedDueAt = input.blockedSince !== null && !blockedOverdue ? input.blockedSince + blockedLimit : null;
  const at = minDefined(nextMissAt, blockedDueAt);

  // Runs on every heartbeat: no closures or spread arguments here.
  if (misses >= 3) return verdict('critical', `${misses} heartbeats missed`, misses, at);
  if (input.recentBreaches >= policy.repeatedBreachCount) {
    return verdict('critical', `${input.recentBreaches} breaches within ${Math.round(policy.repeatedBreachWindowMs / 3_600_000)} h`, misses, at);
  }
  if (misses === 2) return verdict('breach', '2 heartbeats missed', misses, at);
  if (input.lastStatus === 'offline') return verdict('breach', 'agent reported offline', misses, at);
  if (blockedOverdue) return verdict('breach', `blocked longer than ${Math.round(blockedLimit / 60_000)} min`, misses, at);
  if (misses === 1) return verdict('at_risk', '1 heartbeat missed', misses, at);
  if (input.lastStatus === 'degraded') return verdict('at_risk', 'agent reported degraded', misses, at);
  if (input.errorCount1h !== null && input.errorCount1h > policy.errorBudget1h) {
    return verdict('at_risk', `${input.errorCount1h} errors in the last hour (budget ${policy.errorBudget1h})`, misses, at);
  }
  return verdict('healthy', input.lastSeenAt === null ? 'awaiting first heartbeat' : 'heartbeats on time', misses, at);
}

function verdict(health: Health, reason: string, misses: number, nextChangeAt: number | null): HealthVerdict {
  return { health, reason, misses, nextChangeAt };
}

/** The earlier of two moments, either of which may be absent. */
export function minDefined(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null || a < b ? a : b;
}
