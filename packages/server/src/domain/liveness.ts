import type { AgentState, HeartbeatStatus, PriorityTier } from '@aetherboard/contracts';
import { evaluateHealth, minDefined, type HealthVerdict } from './health.js';
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
  let n = 0;
  for (const t of breachTimes) if (now - t < policy.repeatedBreachWindowMs) n++;
  return n;
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
  if (!isMonitored(f.state)) return { ...verdict, nextDeadline: null };
  // Only future moments: what is due now is being decided by the caller at this very evaluation.
  // (This runs on every heartbeat: plain comparisons, no intermediate arrays.)
  let next = future(verdict.nextChangeAt, now);
  if (f.state === 'blocked') next = minDefined(next, future(f.stateChangedAt + policy.blockedLimitMs[f.tier], now));
  if (f.state === 'degraded') next = minDefined(next, future(f.stateChangedAt + policy.degradedLimitMs[f.tier], now));
  // A critical verdict held up by old breaches relaxes when the oldest one leaves the window.
  if (f.breachTimes.length >= policy.repeatedBreachCount) {
    let inWindow = 0;
    let oldest = Number.POSITIVE_INFINITY;
    for (const t of f.breachTimes) {
      if (now - t < policy.repeatedBreachWindowMs) {
        inWindow++;
        if (t < oldest) oldest = t;
      }
    }
    if (inWindow >= policy.repeatedBreachCount) next = minDefined(next, future(oldest + policy.repeatedBreachWindowMs, now));
  }
  return { health: verdict.health, reason: verdict.reason, misses: verdict.misses, nextChangeAt: verdict.nextChangeAt, nextDeadline: next };
}

function future(t: number | null, now: number): number | null {
  return t !== null && t > now ? t : null;
}

