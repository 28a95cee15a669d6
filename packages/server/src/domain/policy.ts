import type { PriorityTier } from '@aetherboard/contracts';

const MIN = 60_000;

/** The numbers that govern liveness and alerting. Seed 000 §5 and §7 supply the defaults. */
export interface LivenessPolicy {
  /** Expected heartbeat interval per tier. */
  cadenceMs: Record<PriorityTier, number>;
  /** Grace before a late beat counts as a miss, as a share of one interval (at most 0.25). */
  graceFraction: number;
  /** How long an agent may stay blocked before it escalates. */
  blockedLimitMs: Record<PriorityTier, number>;
  /** How long an agent may stay degraded before an incident recommends reassignment. */
  degradedLimitMs: Record<PriorityTier, number>;
  /** Errors in the last hour above which an agent is at risk. */
  errorBudget1h: number;
  /** Breaches within the rolling window that make an agent critical. */
  repeatedBreachCount: number;
  repeatedBreachWindowMs: number;
  /** How long a P1 alert may stay unacknowledged before it climbs one level. */
  ackTimeoutMs: number;
  /** How often batched (P2) alerts are sent as one digest. */
  digestIntervalMs: number;
  /** Entries into `degraded` within the breach window that raise `repeated_degraded`. */
  repeatedDegradedCount: number;
  /** Share of monitored agents silent at once that trips the fleet-wide breaker. */
  fleetOutageFraction: number;
  /** The breaker needs at least this many monitored agents to mean anything. */
  fleetOutageMinAgents: number;
}

export const DEFAULT_POLICY: LivenessPolicy = {
  cadenceMs: { P0: 60_000, P1: 180_000, P2: 600_000 },
  graceFraction: 0.25,
  blockedLimitMs: { P0: 15 * MIN, P1: 45 * MIN, P2: 120 * MIN },
  degradedLimitMs: { P0: 10 * MIN, P1: 30 * MIN, P2: 90 * MIN },
  errorBudget1h: 5,
  repeatedBreachCount: 3,
  repeatedBreachWindowMs: 24 * 60 * MIN,
  ackTimeoutMs: 10 * MIN,
  digestIntervalMs: 60 * MIN,
  repeatedDegradedCount: 3,
  fleetOutageFraction: 0.5,
  fleetOutageMinAgents: 10,
};
