import type { Clock, TimerHandle } from '../clock.js';
import type { ServiceContext } from '../service/context.js';
import { earliestDeadline } from '../store/agents.js';
import { earliestEscalation } from '../store/alerts.js';
import { deleteHeartbeatsBefore } from '../store/heartbeats.js';
import { earliestSilenceEnd, endedUnhandled, matchersOf } from '../store/silences.js';
import { getMeta, setMeta } from '../store/workspaces.js';
import { deliverDue, digestSchedule, earliestDelivery, fanOut, sendDigests } from './dispatcher.js';
import { evaluateAgents, reviewOutages, runEscalations } from './evaluator.js';
import type { Notifier } from './notifiers/notifier.js';
import { EngineLease, FencedOut } from '../store/lease.js';
import { dropPartitionsBefore, ensurePartitions } from '../store/partitions.js';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

export interface EngineOptions {
  /** How often the real-clock loop looks for due work; bounds detection latency. */
  tickMs?: number;
  retentionMs: number;
  notifier: Notifier;
  /** Downtime beyond which restart grace applies (no page storm for agents that resume in time). */
  restartGraceAfterMs?: number;
  /** Task hooks other capabilities add to every pass (abandoned invocations, hygiene...). */
  extraTasks?: Array<(ctx: ServiceContext, now: number) => Promise<unknown>>;
  /** PostgreSQL: how long the engine lease lasts without renewal (failover happens within two). */
  leaseTtlMs?: number;
}

const ALIVE_KEY = 'engine_alive_at';
const HOUR = 3_600_000;

/**
 * What runs by itself. Each pass costs O(what is due): indexed "earliest deadline" lookups when
 * nothing is, which is what lets one process watch a very large fleet.
 */
export class Engine {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private lastAliveWrite = 0;
  private lastRetention = 0;
  private lastOutageReview = 0;
  private readonly tickMs: number;
  /** Replicas on one PostgreSQL: only the lease holder runs engine work. */
  readonly lease: EngineLease | null;
  /** The context engine work runs with: fenced by the lease when there is one. */
  private readonly ectx: ServiceContext;
  lastPassMs = 0;
  lastLagMs = 0;
  isLeader = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly opts: EngineOptions,
  ) {
    this.tickMs = opts.tickMs ?? 250;
    this.lease = ctx.database.dialect === 'postgres' ? new EngineLease(ctx.database, `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`, opts.leaseTtlMs ?? 5_000) : null;
    this.ectx = this.lease ? { ...ctx, fence: this.lease } : ctx;
  }

  private get clock(): Clock {
    return this.ctx.clock;
  }

  /** Applies restart grace, then (on the real clock) starts the loop. */
  async start(): Promise<void> {
    this.stopped = false;
    await ensurePartitions(this.ctx.database, this.clock.now());
    await this.restartGrace();
    if (this.clock.kind === 'real') this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    // A clean shutdown hands leadership over at once instead of after the lease runs out.
    await this.lease?.release().catch(() => undefined);
    this.isLeader = false;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(() => {
      void this.runDue()
        .catch((err: unknown) => process.stderr.write(`engine: pass failed: ${err instanceof Error ? err.stack : String(err)}\n`))
        .finally(() => this.schedule());
    }, this.tickMs);
  }

  /** Runs one pass over everything due now; concurrent callers share the pass in flight. */
  runDue(): Promise<void> {
    if (this.running) return this.running.then(() => this.runDue());
    this.running = this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  status(): { replica_id: string | null; leader: boolean; last_pass_ms: number; lag_ms: number; lease_epoch: number | null } {
    return { replica_id: this.lease?.holder ?? null, leader: this.isLeader, last_pass_ms: Math.round(this.lastPassMs * 100) / 100, lag_ms: this.lastLagMs, lease_epoch: this.lease?.epoch ?? null };
  }

  /** Evaluates specific agents at once (after heartbeats that may have changed their health). */
  async evaluateNow(keys: Array<[string, string]>): Promise<void> {
    await evaluateAgents(this.ctx, [...keys], this.clock.now());
  }

  private async pass(): Promise<void> {
    if (this.lease) {
      this.isLeader = await this.lease.acquire();
      if (!this.isLeader) return;
    } else this.isLeader = true;
    try {
      await this.leaderPass();
    } catch (err) {
      // Leadership moved while this pass ran: the successor does the work; nothing was written.
      if (err instanceof FencedOut) this.isLeader = false;
      else throw err;
    }
  }

  private async leaderPass(): Promise<void> {
    const ctx = this.ectx;
    const started = performance.now();
    const now = this.clock.now();
    const db = this.ctx.database.db;
    await this.handleEndedSilences(now);
    // Outages are reviewed first so that agents still silent after one clears are paged this pass.
    if (now - this.lastOutageReview >= 10_000 || this.clock.kind === 'manual') {
      this.lastOutageReview = now;
      await reviewOutages(ctx, now);
    }
    await evaluateAgents(ctx, null, now);
    await runEscalations(ctx, now);
    await sendDigests(ctx, now);
    for (const task of this.opts.extraTasks ?? []) await task(ctx, now);
    const fanned = await fanOut(ctx, now);
    const nextDelivery = await earliestDelivery(db);
    if (fanned > 0 || (nextDelivery !== null && nextDelivery <= now)) {
      // Nobody hears of a decision that a power cut could still take back.
      await this.ctx.database.durable();
      await deliverDue(ctx, this.opts.notifier, now);
    }
    if (now - this.lastRetention >= HOUR) {
      this.lastRetention = now;
      const cutoff = now - this.opts.retentionMs;
      await ensurePartitions(this.ctx.database, now);
      await dropPartitionsBefore(this.ctx.database, cutoff).catch(() => 0);
      // Bounded per pass; a large backlog drains over the next passes.
      for (let i = 0; i < 20; i++) if ((await deleteHeartbeatsBefore(this.ctx.database, cutoff, 10_000)) < 10_000) break;
    }
    if (now - this.lastAliveWrite >= 5_000) {
      this.lastAliveWrite = now;
      await setMeta(db, ALIVE_KEY, String(now));
    }
    const oldest = await earliestDeadline(this.ctx.database);
    this.lastLagMs = oldest !== null && oldest < now ? now - oldest : 0;
    this.lastPassMs = performance.now() - started;
  }

  /** The earliest moment any engine work falls due, for stepping a manual clock. */
  async nextDueAt(): Promise<number | null> {
    const db = this.ctx.database.db;
    const candidates = [await earliestDeadline(this.ctx.database), await earliestEscalation(db), await earliestSilenceEnd(db), await earliestDelivery(db)];
    for (const due of (await digestSchedule(this.ctx)).values()) candidates.push(due);
    const xs = candidates.filter((x): x is number => x !== null);
    return xs.length > 0 ? Math.min(...xs) : null;
  }

  /** When a silence ends, the agents it covered are looked at again: conditions still present page now. */
  private async handleEndedSilences(now: number): Promise<void> {
    const db = this.ctx.database.db;
    for (const s of await endedUnhandled(db, now)) {
      const m = matchersOf(s);
      let q = db.updateTable('agents').set({ next_deadline: now }).where('workspace_id', '=', s.workspace_id).where('health', '<>', 'not_monitored');
      if (m.agent_id) q = q.where('agent_id', '=', m.agent_id);
      if (m.pod_id) q = q.where('pod_id', '=', m.pod_id);
      if (m.team_id) q = q.where('team_id', '=', m.team_id);
      await q.execute();
      await db.updateTable('silences').set({ expired_handled: 1 }).where('silence_id', '=', s.silence_id).execute();
    }
  }

  /**
   * After the server itself was down, agents that were fine get one fresh interval from now
   * instead of being paged for beats they could not deliver. Agents already in breach stay there.
   */
  private async restartGrace(): Promise<void> {
    const db = this.ctx.database.db;
    const now = this.clock.now();
    const alive = Number((await getMeta(db, ALIVE_KEY)) ?? NaN);
    if (Number.isFinite(alive) && now - alive > (this.opts.restartGraceAfterMs ?? 30_000)) {
      await db.updateTable('agents').set({ monitor_since: now }).where('health', 'in', ['healthy', 'at_risk']).where('monitor_since', 'is not', null).execute();
    }
    await setMeta(db, ALIVE_KEY, String(now));
    this.lastAliveWrite = now;
  }
}
