import type { AgentState, Health, HeartbeatStatus, PriorityTier } from '@aetherboard/contracts';
import { evaluateHealth, type HealthVerdict } from './health.js';
import { isMonitored } from './lifecycle.js';
import type { LivenessPolicy } from './policy.js';

/** What the evaluator knows about one agent. */
export interface LivenessFacts {
  state: AgentState;
  stateChangedAt: number;
  tier: PriorityTier;
  lastSeenAt: number | null;
  monitorSince: number | null;
  lastStatus: HeartbeatStatus | null;
  errorCount1h: number | null;
  blockedSince: number | null;
  breachTimes: number[];
}

export interface LivenessPlan extends HealthVerdict {
  /** Earliest moment anything about this agent falls due (health change or state timer). */
  nextDeadline: number | null;
}

export function recentBreaches(breachTimes: number[], policy: LivenessPolicy, now: number): number {
  return breachTimes.filter((t) => now - t < policy.repeatedBreachWindowMs).length;
}

/** Health now, and when to look at this agent again. */
export function planLiveness(f: LivenessFacts, policy: LivenessPolicy, now: number): LivenessPlan {
  const verdict = evaluateHealth(
    {
      state: f.state,
      tier: f.tier,
      lastSeenAt: f.lastSeenAt,
      monitorSince: f.monitorSince ?? f.stateChangedAt,
      lastStatus: f.lastStatus,
      errorCount1h: f.errorCount1h,
      blockedSince: f.blockedSince,
      recentBreaches: recentBreaches(f.breachTimes, policy, now),
    },
    policy,
    now,
  );
  const candidates: number[] = [];
  if (verdict.nextChangeAt !== null) candidates.push(verdict.nextChangeAt);
  if (f.state === 'blocked') candidates.push(f.stateChangedAt + policy.blockedLimitMs[f.tier]);
  if (f.state === 'degraded') candidates.push(f.stateChangedAt + policy.degradedLimitMs[f.tier]);
  // A critical verdict held up by old breaches relaxes when the oldest one leaves the window.
  const window = f.breachTimes.filter((t) => now - t < policy.repeatedBreachWindowMs).sort((a, b) => a - b);
  if (isMonitored(f.state) && window.length >= policy.repeatedBreachCount && window[0] !== undefined) {
    candidates.push(window[0] + policy.repeatedBreachWindowMs);
  }
  // Only future moments: what is due now is being decided by the caller at this very evaluation.
  const future = candidates.filter((c) => c > now);
  const nextDeadline = future.length > 0 ? Math.min(...future) : null;
  return { ...verdict, nextDeadline: isMonitored(f.state) ? nextDeadline : null };
}

export const isWorse = (a: Health, b: Health): boolean => rank(a) > rank(b);
const rank = (h: Health): number => ({ not_monitored: -1, healthy: 0, at_risk: 1, breach: 2, critical: 3 })[h];
