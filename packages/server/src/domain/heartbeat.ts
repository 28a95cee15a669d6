import type { AgentState, HeartbeatBody } from '@aetherboard/contracts';
import type { AgentDecision } from './evaluate.js';
import type { LivenessPolicy } from './policy.js';

/** The liveness columns of an agent that a heartbeat reads and rewrites. */
export interface BeatTarget {
  current_state: string;
  health: string;
  last_seen_at: number | null;
  last_status: string | null;
  last_work_mode: string | null;
  last_summary: string | null;
  queue_depth: number | null;
  token_burn_1h: number | null;
  latency_p95_ms: number | null;
  error_count: number;
  blocked_since: number | null;
}

/**
 * What one beat received at `at` does to an agent's liveness columns (in place, on the caller's
 * working copy). Liveness is the server's receive time, never the client's emitted_at; fields the
 * beat leaves out keep their last reported value.
 */
export function applyBeat(r: BeatTarget, b: HeartbeatBody, at: number): void {
  r.last_seen_at = Math.max(r.last_seen_at ?? 0, at);
  r.last_status = b.status;
  r.last_work_mode = b.work_mode;
  if (b.summary !== undefined) r.last_summary = b.summary;
  if (b.queue_depth !== undefined) r.queue_depth = b.queue_depth;
  if (b.token_burn_1h !== undefined) r.token_burn_1h = b.token_burn_1h;
  if (b.latency_p95_ms !== undefined) r.latency_p95_ms = b.latency_p95_ms;
  if (b.error_count_1h !== undefined) r.error_count = b.error_count_1h;
  // A blocked report starts the blocked clock; any other clears it unless the state itself is blocked.
  if (b.status === 'blocked') r.blocked_since = r.blocked_since ?? at;
  else if ((r.current_state as AgentState) !== 'blocked' && r.current_state !== 'escalated') r.blocked_since = null;
}

/**
 * Whether beats that took an agent from `before` to `after` may have changed its state, health or
 * alerts, so that the full evaluation must run; otherwise storing the new deadline is enough.
 */
export function beatNeedsEvaluation(before: BeatTarget, after: BeatTarget, d: AgentDecision, policy: LivenessPolicy): boolean {
  return (
    d.move !== null ||
    d.plan.health !== before.health ||
    (before.last_status !== after.last_status && (before.last_status === 'offline' || after.last_status === 'offline')) ||
    overBudget(before.error_count, policy) !== overBudget(after.error_count, policy) ||
    (before.blocked_since === null) !== (after.blocked_since === null)
  );
}

function overBudget(errors: number | null, policy: LivenessPolicy): boolean {
  return errors !== null && errors > policy.errorBudget1h;
}

/**
 * Whether the agent row a beat changed may be written after the beat's own transaction (write-behind)
 * instead of inside it. The engine finds due agents through the stored deadline, so it must never
 * be later than the real one: a beat may leave an earlier deadline in place (the engine then only
 * looks too early, re-reads the agent and finds nothing due), but not a later one or none at all.
 * Anything the full evaluation must see is written at once.
 */
export function mayDeferWrite(storedDeadline: number | null, plannedDeadline: number | null, needsEvaluation: boolean): boolean {
  if (needsEvaluation) return false;
  if (plannedDeadline === null) return true;
  return storedDeadline !== null && storedDeadline <= plannedDeadline;
}
