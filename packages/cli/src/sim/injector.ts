import type { AetherBoardClient } from '@aetherboard/sdk';
import { FAULTS, type FaultKind, type FaultRule } from './faults.js';
import type { SimAgent } from './fleet.js';
import type { Tier } from './policy.js';
import type { Rng } from './prng.js';
import type { World } from './world.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** One injected fault: what, whom, and when it started and ended (server clock). */
export interface Fault {
  id: number;
  kind: FaultKind;
  agents: number[];
  pod: number | null;
  onset: number;
  /** When the agent(s) were back to normal; null while still active. */
  end: number | null;
}

export interface Skipped {
  kind: FaultKind;
  at: number;
  reason: string;
}

/** Kinds that make the server record a breach (silence, offline, blocked past the limit). */
const BREACHING: ReadonlySet<FaultKind> = new Set(['silent', 'offline', 'flap', 'stuck', 'pod_dark', 'outage']);
const OUTAGE_SHARE = 0.6;

/**
 * Plans faults from the rules (counts and shares spread over the run, rates as arrivals), picks
 * their targets when they start, and plays each one: its calls, its heartbeats (or their absence)
 * and its recovery.
 */
export class Injector {
  readonly faults: Fault[] = [];
  readonly skipped: Skipped[] = [];
  private readonly planned: Array<{ at: number; rule: FaultRule }> = [];
  private readonly arrivals: Array<{ next: number; rule: FaultRule }> = [];
  private readonly events = new Map<number, Array<() => void>>();

  constructor(
    private readonly w: World,
    rules: readonly FaultRule[],
    private readonly rng: Rng,
    warmupMs: number,
  ) {
    const first = w.start + warmupMs;
    for (const rule of rules) {
      const latest = w.end - this.minNeed(rule);
      const a = rule.amount;
      if (a.type === 'rate') {
        if (a.perHour > 0) this.arrivals.push({ next: first + rng.exp(HOUR / a.perHour), rule });
        continue;
      }
      const n = a.type === 'count' ? a.n : Math.max(a.fraction > 0 ? 1 : 0, Math.round(a.fraction * this.population(rule.kind)));
      for (let k = 0; k < n; k++) {
        if (latest < first) this.skipped.push({ kind: rule.kind, at: first, reason: 'the run is too short for it' });
        else this.planned.push({ at: rng.range(first, latest), rule });
      }
    }
    this.planned.sort((x, y) => x.at - y.at);
  }

  private population(kind: FaultKind): number {
    const t = FAULTS[kind].target;
    if (t === 'pod') return this.w.fleet.pods.length;
    if (t === 'fleet') return 1;
    if (t === 'working') return this.w.fleet.agents.filter((a) => a.working).length;
    return this.w.fleet.agents.length;
  }

  get active(): number {
    return this.faults.filter((f) => f.end === null).length;
  }

  // ---- durations ------------------------------------------------------------------------

  private cad(t: Tier): number {
    return this.w.policy.cadenceMs[t];
  }

  /**
   * After a fault ends, an alert it caused may still arrive within this: one interval plus grace
   * and two ticks; an hour more for the rules that look back an hour (error count, burn), whose
   * alerts can resolve and open again while the bad hour slides out of their window.
   */
  tailMs(kind: FaultKind, t: Tier): number {
    const lookBack = kind === 'errors' || kind === 'burn' ? HOUR : 0;
    return lookBack + this.cad(t) + this.w.policy.graceMs[t] + 2 * this.w.tickMs;
  }

  private flapPhases(t: Tier, rule: FaultRule): { off: number; on: number; cycles: number } {
    const p = this.w.policy;
    const off = rule.durationMs ?? 2 * p.cadenceMs[t] + p.graceMs[t] + 2 * this.w.tickMs;
    return { off, on: 2 * p.cadenceMs[t], cycles: p.repeatedBreachCount };
  }

  /** How long the fault lasts on an agent of this tier; `hi` gives the longest it can be. */
  private duration(rule: FaultRule, t: Tier, hi = false): number {
    const p = this.w.policy;
    const u = (lo: number, up: number) => (hi ? up : this.rng.range(lo, up));
    switch (rule.kind) {
      case 'flap': {
        const f = this.flapPhases(t, rule);
        return f.cycles * (f.off + f.on);
      }
      case 'silent':
      case 'pod_dark':
        return rule.durationMs ?? u(3.5, 6) * p.cadenceMs[t] + this.w.tickMs;
      case 'offline':
        return rule.durationMs ?? u(10, 30) * MIN;
      case 'degrade':
        return rule.durationMs ?? u(1.4, 1.8) * p.degradedLimitMs[t] + 2 * this.w.tickMs;
      case 'stuck':
        return rule.durationMs ?? u(1.3, 1.7) * p.blockedLimitMs[t] + 2 * this.w.tickMs;
      case 'errors':
        return rule.durationMs ?? Math.max(3 * p.cadenceMs[t], u(40, 75) * MIN);
      case 'burn':
        return rule.durationMs ?? u(70, 120) * MIN;
      case 'outage':
        return rule.durationMs ?? Math.max(30 * MIN, 3 * p.cadenceMs[t]);
    }
  }

  private need(rule: FaultRule, t: Tier): number {
    return this.duration(rule, t, true) + this.tailMs(rule.kind, t);
  }

  private minNeed(rule: FaultRule): number {
    if (rule.kind === 'pod_dark' || rule.kind === 'outage') return this.need(rule, 'P2');
    return Math.min(...(['P0', 'P1', 'P2'] as const).map((t) => this.need(rule, t)));
  }

  // ---- the tick -------------------------------------------------------------------------

  /** Runs `fn` at the tick of `t`: now, when that tick is this one (its events may already be done). */
  private at(t: number, fn: () => void): void {
    const k = this.w.tickOf(t);
    if (k <= this.w.tick) return fn();
    const xs = this.events.get(k);
    if (xs) xs.push(fn);
    else this.events.set(k, [fn]);
  }

  step(): void {
    const w = this.w;
    for (const fn of this.events.get(w.tick) ?? []) fn();
    this.events.delete(w.tick);
    while (this.planned.length > 0 && this.planned[0]!.at <= w.now) this.begin(this.planned.shift()!.rule);
    for (const arr of this.arrivals) {
      const a = arr.rule.amount as { perHour: number };
      while (arr.next <= w.now) {
        if (arr.next <= w.end - this.minNeed(arr.rule)) this.begin(arr.rule);
        arr.next += this.rng.exp(HOUR / a.perHour);
      }
    }
  }

  // ---- targets --------------------------------------------------------------------------

  private eligible(a: SimAgent, rule: FaultRule): boolean {
    const w = this.w;
    if (a.faultId !== null || a.silent || w.now < a.cooldownUntil || w.now < a.benchedUntil || a.task?.blocked) return false;
    if (a.state !== 'ready' && a.state !== 'executing') return false;
    const target = FAULTS[rule.kind].target;
    if (target === 'working' && !a.working) return false;
    if (target === 'idle' && (a.task !== null || w.breachesInWindow(a) > 0)) return false;
    // A third breach within the window would make the agent critical for a day: only flap does that on purpose.
    if (BREACHING.has(rule.kind) && w.breachesInWindow(a) >= w.policy.repeatedBreachCount - 1) return false;
    return w.now + this.need(rule, a.tier) <= w.end;
  }

  private pickAgent(rule: FaultRule): SimAgent | null {
    const agents = this.w.fleet.agents;
    for (let k = 0; k < 64; k++) {
      const a = agents[this.rng.int(0, agents.length - 1)]!;
      if (this.eligible(a, rule)) return a;
    }
    const all = agents.filter((a) => this.eligible(a, rule));
    return all.length > 0 ? this.rng.pick(all) : null;
  }

  private begin(rule: FaultRule): void {
    const w = this.w;
    const kind = rule.kind;
    const make = (agents: number[], pod: number | null): Fault => {
      const f: Fault = { id: this.faults.length + 1, kind, agents, pod, onset: w.now, end: null };
      this.faults.push(f);
      for (const i of agents) w.fleet.agents[i]!.faultId = f.id;
      return f;
    };
    if (kind === 'pod_dark') {
      const pods = w.fleet.pods.filter((p) => p.agents.length > 0 && p.agents.every((i) => this.eligible(w.fleet.agents[i]!, rule)));
      if (pods.length === 0) return void this.skipped.push({ kind, at: w.now, reason: 'no pod was free of other faults' });
      const pod = this.rng.pick(pods);
      const slowest = this.slowest(pod.agents);
      const f = make([...pod.agents], pod.index);
      this.silence(f, this.duration(rule, slowest));
      return;
    }
    if (kind === 'outage') {
      const agents = w.fleet.agents;
      const free = agents.filter((a) => this.eligible(a, rule));
      const want = Math.ceil(OUTAGE_SHARE * agents.length);
      if (free.length < Math.max(2, Math.ceil(w.policy.fleetOutageFraction * agents.length))) {
        return void this.skipped.push({ kind, at: w.now, reason: 'too few agents were free of other faults' });
      }
      const chosen = this.rng.shuffle(free.map((a) => a.i)).slice(0, want);
      const f = make(chosen, null);
      this.silence(f, this.duration(rule, this.slowest(chosen)));
      return;
    }
    const a = this.pickAgent(rule);
    if (!a) return void this.skipped.push({ kind, at: w.now, reason: 'no agent was eligible' });
    const f = make([a.i], null);
    const d = this.duration(rule, a.tier);
    switch (kind) {
      case 'silent':
        return this.silence(f, d);
      case 'offline':
        return this.offline(f, a, d);
      case 'flap':
        return this.flap(f, a, rule);
      case 'degrade':
        return this.degrade(f, a, d);
      case 'stuck':
        return this.stuck(f, a, d);
      case 'errors':
        return this.bend(f, a, d, { invocationEveryMs: MIN, failRate: 0.75, costFactor: 1 });
      case 'burn':
        return this.bend(f, a, d, { invocationEveryMs: 2 * MIN, failRate: 0.01, costFactor: Math.max(8, 3 * w.policy.costAnomalyFactor) });
    }
  }

  private slowest(agents: number[]): Tier {
    const tiers = agents.map((i) => this.w.fleet.agents[i]!.tier);
    return tiers.includes('P2') ? 'P2' : tiers.includes('P1') ? 'P1' : 'P0';
  }

  // ---- behaviours -----------------------------------------------------------------------

  /** When the server will see a breach if the agent stays silent from now on. */
  private breachAt(a: SimAgent): number {
    const p = this.w.policy;
    return Math.max(a.lastBeatAt, this.w.start) + p.graceMs[a.tier] + 2 * p.cadenceMs[a.tier];
  }

  private silence(f: Fault, d: number): void {
    const w = this.w;
    const until = w.now + d;
    for (const i of f.agents) {
      const a = w.fleet.agents[i]!;
      a.silent = true;
      const b = this.breachAt(a);
      if (b < until) a.breaches.push(b);
    }
    this.at(until, () => this.finish(f, true));
  }

  private offline(f: Fault, a: SimAgent, d: number): void {
    a.status = 'offline';
    a.summary = 'offline: drained for maintenance';
    this.w.beatNow(a);
    a.breaches.push(this.w.now);
    this.at(this.w.now + d, () => this.finish(f, true));
  }

  private flap(f: Fault, a: SimAgent, rule: FaultRule): void {
    const { off, on, cycles } = this.flapPhases(a.tier, rule);
    for (let c = 0; c < cycles; c++) {
      const t0 = this.w.now + c * (off + on);
      this.at(t0, () => {
        a.silent = true;
        a.breaches.push(this.breachAt(a));
      });
      this.at(t0 + off, () => {
        a.silent = false;
        this.w.beatNow(a);
      });
    }
    this.at(this.w.now + cycles * (off + on), () => this.finish(f, false));
  }

  private degrade(f: Fault, a: SimAgent, d: number): void {
    const w = this.w;
    this.ensureExecuting(a);
    a.state = 'degraded';
    a.status = 'degraded';
    a.latencyMs *= 8;
    a.summary = 'degraded: responses slow, retrying';
    w.op(a, (c) => c.agents.transition(a.id, 'degraded', 'reports degraded: model endpoint slow').then(() => undefined));
    w.beatNow(a);
    this.at(w.now + d, () => this.finish(f, true));
  }

  private stuck(f: Fault, a: SimAgent, d: number): void {
    const w = this.w;
    this.ensureExecuting(a);
    const task = a.task!;
    task.blocked = true;
    task.blockAt = null;
    task.unblockAt = null;
    a.state = 'blocked';
    a.status = 'blocked';
    a.mode = 'waiting';
    a.summary = 'blocked: waiting for input that does not come';
    a.breaches.push(w.now + w.policy.blockedLimitMs[a.tier]);
    w.op(a, async (c) => {
      await c.assignments.update(task.assignmentId, { status: 'blocked', blocker_code: 'waiting_input' });
      await c.agents.transition(a.id, 'blocked', 'waiting for input');
    });
    w.beatNow(a);
    this.at(w.now + d, () => this.finish(f, true));
  }

  private bend(f: Fault, a: SimAgent, d: number, bend: { invocationEveryMs: number; failRate: number; costFactor: number }): void {
    const w = this.w;
    this.ensureExecuting(a);
    w.bends.set(a.i, bend);
    a.nextInvocationAt = w.now;
    w.scheduleWake(a);
    this.at(w.now + d, () => this.finish(f, false));
  }

  private ensureExecuting(a: SimAgent): void {
    if (!a.task) this.w.startTask(a);
  }

  /** Ends a fault: the agent beats at once, and (when it may have been moved) gets back to work. */
  private finish(f: Fault, reconcile: boolean): void {
    const w = this.w;
    f.end = w.now;
    const p = w.policy;
    for (const i of f.agents) {
      const a = w.fleet.agents[i]!;
      a.faultId = null;
      a.silent = false;
      w.bends.delete(a.i);
      a.cooldownUntil = w.now + Math.max(HOUR, 2 * this.tailMs(f.kind, a.tier));
      const inWindow = a.breaches.filter((t) => t > w.now - p.repeatedBreachWindowMs).sort((x, y) => x - y);
      if (inWindow.length >= p.repeatedBreachCount) a.benchedUntil = inWindow[inWindow.length - p.repeatedBreachCount]! + p.repeatedBreachWindowMs;
      if (reconcile) this.resume(a, f.onset);
      w.beatNow(a);
      w.scheduleWake(a);
    }
  }

  private resume(a: SimAgent, onset: number): void {
    const w = this.w;
    a.status = 'ok';
    a.latencyMs = Math.min(a.latencyMs, 1500);
    const task = a.task;
    if (!task) {
      a.state = 'ready';
      a.mode = 'idle';
      a.summary = null;
      return;
    }
    const wasBlocked = task.blocked;
    task.blocked = false;
    task.blockAt = null;
    task.unblockAt = null;
    task.endsAt = Math.max(task.endsAt, w.now) + (w.now - onset);
    a.state = 'executing';
    a.mode = 'executing';
    a.summary = `${w.fleet.pods[a.pod]!.fn}: task ${a.taskSeq} (resumed)`;
    a.nextInvocationAt = w.now + this.rng.exp(6 * MIN);
    w.op(a, (c) => backToWork(c, a.id, task.assignmentId, wasBlocked));
  }
}

/** Whatever the server did meanwhile (degraded at breach, escalated when blocked too long), back to executing. */
async function backToWork(c: AetherBoardClient, id: string, assignmentId: string, wasBlocked: boolean): Promise<void> {
  const cur = await c.agents.get(id);
  const state = cur.current_state;
  if (state === 'ready') await c.agents.transition(id, 'assigned', 'resuming its task');
  if (state === 'ready' || state === 'assigned' || state === 'degraded' || state === 'escalated' || state === 'blocked') {
    await c.agents.transition(id, 'executing', 'recovered: back to work');
  }
  if (wasBlocked) await c.assignments.update(assignmentId, { status: 'active' });
}
