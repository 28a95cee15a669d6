import type { AetherBoardClient, BatchHeartbeatInput, BatchInvocationInput } from '@aetherboard/sdk';
import type { Fleet, SimAgent } from './fleet.js';
import type { SimPolicy } from './policy.js';
import type { Rng } from './prng.js';

const HOUR = 3_600_000;
const MIN = 60_000;

/** Agents due at a tick, by tick number. An agent is in at most one bucket per calendar. */
export class Calendar {
  private readonly buckets = new Map<number, number[]>();
  add(tick: number, agent: number): void {
    const b = this.buckets.get(tick);
    if (b) b.push(agent);
    else this.buckets.set(tick, [agent]);
  }
  take(tick: number): number[] {
    const b = this.buckets.get(tick) ?? [];
    this.buckets.delete(tick);
    return b;
  }
}

/** One call (or a short chain) an agent or its operator makes in a tick, in order. */
export type Op = (client: AetherBoardClient) => Promise<void>;

/** How an active fault bends an agent's work: faster, failing or costlier invocations. */
export interface WorkBend {
  invocationEveryMs: number;
  failRate: number;
  costFactor: number;
}

export interface Counters {
  beats: number;
  invocations: number;
  calls: number;
  tasks: number;
  blocks: number;
}

/** Everything a tick works on. Times are the server clock's, in epoch ms. */
export class World {
  tick = 0;
  now: number;
  readonly beatCal = new Calendar();
  readonly wakeCal = new Calendar();
  /** Per agent, the calls it makes this tick, run in order after the heartbeats. */
  ops = new Map<number, Op[]>();
  beats: BatchHeartbeatInput[] = [];
  invocations: BatchInvocationInput[] = [];
  readonly bends = new Map<number, WorkBend>();
  readonly counters: Counters = { beats: 0, invocations: 0, calls: 0, tasks: 0, blocks: 0 };
  /** Moves the simulator could not make: a sign that its model of an agent drifted from the server's. */
  readonly warnings: string[] = [];

  constructor(
    readonly fleet: Fleet,
    readonly policy: SimPolicy,
    readonly rng: Rng,
    readonly start: number,
    readonly end: number,
    readonly tickMs: number,
  ) {
    this.now = start;
  }

  tickOf(t: number): number {
    return Math.max(this.tick, Math.ceil((t - this.start) / this.tickMs));
  }

  op(a: SimAgent, fn: Op): void {
    const xs = this.ops.get(a.i);
    if (xs) xs.push(fn);
    else this.ops.set(a.i, [fn]);
  }

  warn(msg: string): void {
    if (this.warnings.length < 200) this.warnings.push(msg);
  }

  /**
   * Next beat: never late, and on average 5 % early (the SDK beats up to 10 % early), on a tick
   * boundary. Early by a whole tick now and then rather than every time: rounding every gap down
   * would add a beat in three for a P1 agent on one-minute ticks.
   */
  scheduleNextBeat(a: SimAgent): void {
    const cadence = this.policy.cadenceMs[a.tier];
    const whole = Math.max(1, Math.floor(cadence / this.tickMs));
    const early = whole > 1 && this.rng.chance(Math.min(1, (0.05 * cadence) / this.tickMs)) ? 1 : 0;
    this.setBeat(a, this.tick + whole - early);
  }

  setBeat(a: SimAgent, tick: number): void {
    if (a.beatTick === tick) return;
    a.beatTick = tick;
    this.beatCal.add(tick, a.i);
  }

  /** A change of status is sent at once, as the SDK does, rather than at the next beat. */
  beatNow(a: SimAgent): void {
    if (!a.silent) this.setBeat(a, this.tick);
  }

  setWake(a: SimAgent, t: number): void {
    if (!Number.isFinite(t)) {
      a.wakeTick = -1;
      return;
    }
    const k = this.tickOf(t);
    if (a.wakeTick === k) return;
    a.wakeTick = k;
    this.wakeCal.add(k, a.i);
  }

  /** The next moment its work needs it: a task event or an invocation to report. */
  scheduleWake(a: SimAgent): void {
    if (!a.working && !this.bends.has(a.i)) return;
    let t = Number.POSITIVE_INFINITY;
    if (a.faultId === null) {
      if (!a.task) t = Math.max(a.nextTaskAt, a.benchedUntil);
      else if (a.task.blocked) t = a.task.unblockAt ?? t;
      else t = Math.min(a.task.blockAt ?? Number.POSITIVE_INFINITY, a.task.endsAt);
    }
    if (this.executing(a)) t = Math.min(t, a.nextInvocationAt);
    this.setWake(a, t);
  }

  executing(a: SimAgent): boolean {
    return !a.silent && a.state === 'executing' && !(a.task?.blocked ?? false);
  }

  breachesInWindow(a: SimAgent): number {
    const from = this.now - this.policy.repeatedBreachWindowMs;
    return a.breaches.filter((t) => t > from).length;
  }

  // ---- healthy work ---------------------------------------------------------------------

  /** Handles whatever an agent's work has due now, then books its next wake-up. */
  wake(a: SimAgent): void {
    if (a.silent) return;
    if (a.faultId === null && a.working) {
      const task = a.task;
      if (!task) {
        if (this.now >= a.nextTaskAt && this.now >= a.benchedUntil) this.startTask(a);
      } else if (task.blocked) {
        if (task.unblockAt !== null && this.now >= task.unblockAt) this.unblock(a, 'unblocked: input arrived');
      } else if (task.blockAt !== null && this.now >= task.blockAt) {
        this.block(a, task.unblockAt! - task.blockAt);
      } else if (this.now >= task.endsAt) {
        this.finishTask(a);
      }
    }
    this.invoke(a);
    this.scheduleWake(a);
  }

  startTask(a: SimAgent): void {
    const seq = ++a.taskSeq;
    const assignmentId = `${a.id}.t${seq}`;
    const workMs = this.rng.range(20, 150) * MIN;
    const task = { assignmentId, endsAt: this.now + workMs, blockAt: null as number | null, unblockAt: null as number | null, blocked: false };
    // Some work waits on something: briefly, well within the tier's blocked limit.
    if (this.rng.chance(0.2)) {
      task.blockAt = this.now + workMs * this.rng.range(0.1, 0.7);
      task.unblockAt = task.blockAt + this.rng.range(MIN, Math.max(MIN, 0.5 * this.policy.blockedLimitMs[a.tier]));
      task.endsAt += task.unblockAt - task.blockAt;
    }
    a.task = task;
    a.state = 'executing';
    a.mode = 'executing';
    a.status = 'ok';
    a.summary = `${this.fleet.pods[a.pod]!.fn}: task ${seq}`;
    a.nextInvocationAt = this.now + this.rng.exp(6 * MIN);
    this.counters.tasks += 1;
    const contract = this.policy.contractTiers.includes(a.tier)
      ? { scope: `task ${seq} of ${a.name}`, definition_of_done: ['checks pass'], rollback: 'revert the change' }
      : undefined;
    const team = a.team;
    this.op(a, async (c) => {
      await c.assignments.create({ assignment_id: assignmentId, agent_id: a.id, workstream_id: `ws-${team}`, task_id: `task-${seq}`, role_on_task: 'owner', contract });
      await c.agents.transition(a.id, 'assigned', `picked up task ${seq}`);
      await c.agents.transition(a.id, 'executing', `working on task ${seq}`);
    });
    this.beatNow(a);
  }

  finishTask(a: SimAgent): void {
    const task = a.task!;
    a.task = null;
    a.state = 'ready';
    a.mode = 'idle';
    a.summary = null;
    a.nextTaskAt = this.now + this.rng.range(2, 25) * MIN;
    this.op(a, async (c) => {
      await c.assignments.update(task.assignmentId, { status: 'done' });
      await c.agents.transition(a.id, 'ready', 'task done');
    });
    this.beatNow(a);
  }

  block(a: SimAgent, forMs: number): void {
    const task = a.task!;
    task.blocked = true;
    task.blockAt = null;
    task.unblockAt = this.now + forMs;
    a.state = 'blocked';
    a.status = 'blocked';
    a.mode = 'waiting';
    a.summary = 'blocked: waiting on a dependency';
    this.counters.blocks += 1;
    this.op(a, async (c) => {
      await c.assignments.update(task.assignmentId, { status: 'blocked', blocker_code: 'dependency' });
      await c.agents.transition(a.id, 'blocked', 'waiting on a dependency');
    });
    this.beatNow(a);
  }

  unblock(a: SimAgent, reason: string): void {
    const task = a.task!;
    task.blocked = false;
    task.unblockAt = null;
    a.state = 'executing';
    a.status = 'ok';
    a.mode = 'executing';
    a.summary = `${this.fleet.pods[a.pod]!.fn}: task ${a.taskSeq}`;
    a.nextInvocationAt = this.now + this.rng.exp(6 * MIN);
    this.op(a, async (c) => {
      await c.agents.transition(a.id, 'executing', reason);
      await c.assignments.update(task.assignmentId, { status: 'active' });
    });
    this.beatNow(a);
  }

  /** Reports the invocations it finished since it last looked, as one batch per tick for all agents. */
  invoke(a: SimAgent): void {
    const bend = this.bends.get(a.i);
    if (!this.executing(a) && !bend) return;
    const every = bend?.invocationEveryMs ?? 6 * MIN;
    const failRate = bend?.failRate ?? 0.01;
    const costFactor = bend?.costFactor ?? 1;
    if (!Number.isFinite(a.nextInvocationAt)) a.nextInvocationAt = this.now + this.rng.exp(every);
    while (a.nextInvocationAt <= this.now) {
      const at = a.nextInvocationAt;
      // Steady spend: a healthy hour stays well inside the burn-anomaly rule, a burning one far outside.
      const cost = a.ratePerHour * costFactor * (every / HOUR) * this.rng.range(0.75, 1.25);
      const tokens = Math.round(cost * 100_000);
      const failed = this.rng.chance(failRate);
      const ms = Math.round(this.rng.range(2_000, 90_000));
      this.invocations.push({
        invocation_id: `${a.id}.i${this.counters.invocations.toString(36)}`,
        agent_id: a.id,
        name: this.fleet.pods[a.pod]!.fn,
        task_description: a.summary ?? 'background work',
        started_at: new Date(at - ms).toISOString(),
        completed_at: new Date(at).toISOString(),
        success: !failed,
        execution_time_ms: ms,
        tokens_used: tokens,
        cost_usd: Math.round(cost * 1e6) / 1e6,
        error_details: failed ? 'tool call failed' : undefined,
        assignment_id: a.task?.assignmentId,
      });
      a.recent.push({ at, tokens, failed });
      this.counters.invocations += 1;
      a.nextInvocationAt = at + every * this.rng.range(0.5, 1.5);
    }
  }

  /** The heartbeat of an agent now: its status, and the last hour of its invocations. */
  beat(a: SimAgent): void {
    const cutoff = this.now - HOUR;
    if (a.recent.length > 0 && a.recent[0]!.at <= cutoff) a.recent = a.recent.filter((r) => r.at > cutoff);
    let errors = 0;
    let tokens = 0;
    for (const r of a.recent) {
      if (r.failed) errors += 1;
      tokens += r.tokens;
    }
    // An agent standing by has nothing more to say; a short beat is cheaper for a server taking millions.
    const b: BatchHeartbeatInput = { agent_id: a.id, status: a.status, work_mode: a.mode };
    if (a.working || errors > 0 || tokens > 0) {
      b.error_count_1h = errors;
      b.token_burn_1h = tokens;
      b.latency_p95_ms = a.latencyMs;
      b.queue_depth = a.task ? 1 + (a.taskSeq % 4) : 0;
      b.active_assignment_id = a.task?.assignmentId ?? null;
    }
    if (a.summary) b.summary = a.summary;
    this.beats.push(b);
    a.lastBeatAt = this.now;
    this.counters.beats += 1;
    this.scheduleNextBeat(a);
  }
}
