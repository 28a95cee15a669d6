import { describe, expect, it } from 'vitest';
import { decideAgent, type AgentSnapshot } from './evaluate.js';
import { applyBeat, beatNeedsEvaluation, mayDeferWrite, type BeatTarget } from './heartbeat.js';
import { DEFAULT_POLICY } from './policy.js';

const T = 1_000_000;
const agent = (over: Partial<BeatTarget> = {}): BeatTarget => ({
  current_state: 'executing',
  health: 'healthy',
  last_seen_at: T - 30_000,
  last_status: 'ok',
  last_work_mode: 'executing',
  last_summary: 'before',
  queue_depth: 3,
  token_burn_1h: 100,
  latency_p95_ms: 400,
  error_count: 0,
  blocked_since: null,
  ...over,
});
const snapshot = (a: BeatTarget): AgentSnapshot => ({
  agentId: 'a',
  agentName: 'a',
  health: a.health as AgentSnapshot['health'],
  state: a.current_state as AgentSnapshot['state'],
  stateChangedAt: T - 3_600_000,
  tier: 'P1',
  lastSeenAt: a.last_seen_at,
  monitorSince: T - 3_600_000,
  lastStatus: a.last_status as AgentSnapshot['lastStatus'],
  errorCount1h: a.error_count,
  blockedSince: a.blocked_since,
  breachTimes: [],
  degradedTimes: [],
});
const after = (before: BeatTarget, beat: Parameters<typeof applyBeat>[1]) => {
  const a = { ...before };
  applyBeat(a, beat, T);
  return { a, needs: beatNeedsEvaluation(before, a, decideAgent(snapshot(a), DEFAULT_POLICY, T), DEFAULT_POLICY) };
};

describe('what a heartbeat does to an agent', () => {
  it('takes the receive time, keeps what the beat leaves out, and never moves liveness back', () => {
    const { a } = after(agent(), { status: 'ok', work_mode: 'idle', queue_depth: 0 });
    expect(a).toMatchObject({ last_seen_at: T, last_work_mode: 'idle', queue_depth: 0, last_summary: 'before', token_burn_1h: 100 });
    const late = agent({ last_seen_at: T + 5 });
    applyBeat(late, { status: 'ok', work_mode: 'idle' }, T);
    expect(late.last_seen_at).toBe(T + 5);
  });

  it('starts the blocked clock on a blocked report and clears it on the next, unless the state is blocked', () => {
    const blocked = after(agent(), { status: 'blocked', work_mode: 'waiting' }).a;
    expect(blocked.blocked_since).toBe(T);
    expect(after(agent({ blocked_since: T - 5 }), { status: 'blocked', work_mode: 'waiting' }).a.blocked_since).toBe(T - 5);
    expect(after(agent({ blocked_since: T - 5 }), { status: 'ok', work_mode: 'executing' }).a.blocked_since).toBeNull();
    expect(after(agent({ blocked_since: T - 5, current_state: 'blocked' }), { status: 'ok', work_mode: 'executing' }).a.blocked_since).toBe(T - 5);
  });

  it('asks for a full evaluation only when health, offline, the error budget or blocking changes', () => {
    expect(after(agent(), { status: 'ok', work_mode: 'executing' }).needs).toBe(false);
    expect(after(agent({ health: 'at_risk' }), { status: 'ok', work_mode: 'executing' }).needs).toBe(true);
    expect(after(agent(), { status: 'offline', work_mode: 'idle' }).needs).toBe(true);
    expect(after(agent(), { status: 'ok', work_mode: 'executing', error_count_1h: DEFAULT_POLICY.errorBudget1h + 1 }).needs).toBe(true);
    expect(after(agent(), { status: 'blocked', work_mode: 'waiting' }).needs).toBe(true);
  });
});

describe('mayDeferWrite', () => {
  it('defers only when the stored deadline is no later than the new one', () => {
    expect(mayDeferWrite(1000, 2000, false)).toBe(true);
    expect(mayDeferWrite(2000, 2000, false)).toBe(true);
    // Nothing planned: the engine at worst looks once more at the stored moment.
    expect(mayDeferWrite(1000, null, false)).toBe(true);
    expect(mayDeferWrite(null, null, false)).toBe(true);
    // A sooner deadline, or one where none is stored, would be missed: written at once.
    expect(mayDeferWrite(3000, 2000, false)).toBe(false);
    expect(mayDeferWrite(null, 2000, false)).toBe(false);
    // Whatever the evaluation must see is never held back.
    expect(mayDeferWrite(1000, 2000, true)).toBe(false);
  });
});
