import { backoffDelay, heartbeatDelay, type BackoffOptions } from './backoff.js';
import { AetherBoardError } from './errors.js';
import { Exporter, type ExporterOptions, type ExportStats, type FlushResult } from './exporter.js';
import type { Transport } from './http.js';
import { InvocationRecord, describeError, type TrackOptions, type TrackedInvocation } from './record.js';
import { sampler } from './sampler.js';
import type { HeartbeatInput, HeartbeatStatus, PriorityTier, WorkMode } from './types.js';
import { Vitals } from './vitals.js';

/** Contract §6 cadences; a workspace may configure others, so `cadenceMs` overrides. */
export const TIER_CADENCE_MS: Readonly<Record<PriorityTier, number>> = { P0: 60_000, P1: 180_000, P2: 600_000 };

export interface AgentStatus {
  status?: HeartbeatStatus;
  work_mode?: WorkMode;
  /** At most 140 characters (longer ones are cut). */
  summary?: string | null;
  active_assignment_id?: string | null;
  queue_depth?: number;
  /** Reported from tracked invocations unless set here. */
  error_count_1h?: number;
  latency_p95_ms?: number;
  token_burn_1h?: number;
}

export interface AgentOptions extends ExporterOptions, AgentStatus {
  /** Sets the heartbeat cadence (P0 60 s, P1 180 s, P2 600 s). Default P1. */
  tier?: PriorityTier;
  /** Overrides the tier's cadence. */
  cadenceMs?: number;
  /** Beats come up to this share of an interval early, at random, never late. Default 0.1. */
  jitter?: number;
  /** Send heartbeats after `start()`. Default true. */
  heartbeats?: boolean;
  /** Retry timing of heartbeats and exports while the server is unreachable. */
  backoff?: BackoffOptions;
  /**
   * How each invocation's CPU is measured. `exact`: a `process.cpuUsage()` diff around every call
   * (two kernel calls: about 2 µs warm, up to ~16 µs right after cache-heavy work). `sampled`: the
   * process's utilisation over the 100 ms sample window around the call (free). `auto` (default):
   * exact for operations that typically run 50 ms or more (learned per name), sampled for shorter
   * ones, whose CPU share an exact diff could not resolve much better anyway. `off`: none.
   */
  cpu?: 'auto' | 'exact' | 'sampled' | 'off';
  /** Attach the sampled process memory to each invocation. Default true. */
  measureMemory?: boolean;
  /** Try to send what is buffered when the process is about to exit. Default true. */
  flushOnExit?: boolean;
  /** How long that last flush may take. Default 5 s. */
  exitFlushTimeoutMs?: number;
  /** Told about every failed heartbeat or export; the agent itself never sees an error. */
  onError?: (err: Error, where: 'heartbeat' | 'export') => void;
}

export interface AgentStats extends ExportStats {
  /** Tracked invocations still running. */
  active: number;
  heartbeats_sent: number;
  heartbeat_failures: number;
  last_error: string | null;
}

const hasProcess = typeof process !== 'undefined';
const cpuUsage = hasProcess && typeof process.cpuUsage === 'function' ? () => process.cpuUsage() : undefined;

/** Operations that typically take this long or longer get an exact CPU reading in `auto` mode. */
export const EXACT_CPU_MIN_MS = 50;
const MAX_LEARNED_NAMES = 1_000;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

function randomPrefix(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += b.toString(36).padStart(2, '0');
  return s;
}

/**
 * What an agent embeds to belong to the fleet: heartbeats at its tier's cadence, its status, and
 * tracked invocations exported in the background. Nothing here ever throws into the agent or
 * makes it wait: failures are counted, reported to `onError`, and retried.
 */
export class AgentHandle {
  // The fields `track` touches come first, so one call reads one or two cache lines of this object.
  private seq = 0;
  private activeCount = 0;
  private readonly idPrefix = `${randomPrefix()}.`;
  private readonly cpuMode: 'auto' | 'exact' | 'sampled' | 'off';
  private readonly measureMemory: boolean;
  private usesSampler = false;
  // The same operation usually repeats: remembering the last one skips the map.
  private lastName = '';
  private lastTypical: { ms: number } | undefined;
  private readonly exporter: Exporter;
  /** Typical duration per operation name (a moving average), for the `auto` CPU mode. */
  private readonly typicalMs = new Map<string, { ms: number }>();
  private readonly vitals = new Vitals();
  private state: AgentStatus;
  private started = false;
  private beatTimer: ReturnType<typeof setTimeout> | undefined;
  private beatInFlight = false;
  private beatAgain = false;
  private beatAttempt = 0;
  private heartbeatsSent = 0;
  private heartbeatFailures = 0;
  private lastError: string | null = null;
  private exitFlushed = false;

  constructor(
    private readonly transport: Transport,
    readonly agentId: string,
    private readonly opts: AgentOptions = {},
  ) {
    this.state = {
      status: opts.status ?? 'ok',
      work_mode: opts.work_mode ?? 'idle',
      summary: opts.summary,
      active_assignment_id: opts.active_assignment_id,
      queue_depth: opts.queue_depth,
    };
    this.cpuMode = cpuUsage === undefined ? 'off' : (opts.cpu ?? 'auto');
    this.measureMemory = opts.measureMemory !== false;
    this.exporter = new Exporter(transport, agentId, opts, (err) => this.report(err, 'export'), (rec) => this.observe(rec));
  }

  get cadenceMs(): number {
    return this.opts.cadenceMs ?? TIER_CADENCE_MS[this.opts.tier ?? 'P1'];
  }

  get stats(): AgentStats {
    return {
      ...this.exporter.stats,
      buffered: this.exporter.buffered,
      active: this.activeCount,
      heartbeats_sent: this.heartbeatsSent,
      heartbeat_failures: this.heartbeatFailures,
      last_error: this.lastError,
    };
  }

  get status(): Readonly<AgentStatus> {
    return this.state;
  }

  /** Starts heartbeats (the first at once) and the flush-on-exit hook. Idempotent. */
  start(): this {
    if (this.started) return this;
    this.started = true;
    this.useSampler();
    if (this.opts.heartbeats !== false) this.scheduleBeat(0);
    if (this.opts.flushOnExit !== false && hasProcess && typeof process.on === 'function') {
      onExit(this);
    }
    return this;
  }

  /** Stops heartbeats and sends what is buffered (for at most `timeoutMs`). */
  async stop(timeoutMs = this.opts.exitFlushTimeoutMs ?? 5_000): Promise<FlushResult> {
    this.started = false;
    if (this.beatTimer !== undefined) clearTimeout(this.beatTimer);
    this.beatTimer = undefined;
    exiting.delete(this);
    const r = await this.exporter.flush(timeoutMs);
    this.exporter.stop();
    if (this.usesSampler) sampler.release();
    this.usesSampler = false;
    return r;
  }

  /** Sends what is buffered now, waiting out backoffs for at most `timeoutMs`. Never rejects. */
  flush(timeoutMs = 10_000): Promise<FlushResult> {
    return this.exporter.flush(timeoutMs);
  }

  /** Changes what the next heartbeat says; a change is sent at once rather than at the next beat. */
  setStatus(s: AgentStatus): void {
    let changed = false;
    for (const [k, v] of Object.entries(s) as Array<[keyof AgentStatus, unknown]>) {
      if (v !== undefined && this.state[k] !== v) {
        (this.state as Record<string, unknown>)[k] = v;
        changed = true;
      }
    }
    if (changed && this.started && this.opts.heartbeats !== false) {
      if (this.beatInFlight) this.beatAgain = true;
      else this.scheduleBeat(0);
    }
  }

  /** Sends one heartbeat now and answers whether the server took it. Never rejects. */
  async heartbeat(): Promise<boolean> {
    try {
      await this.transport.request('POST', `/api/agents/${encodeURIComponent(this.agentId)}/heartbeat`, {
        body: this.heartbeatBody(),
        timeoutMs: this.opts.requestTimeoutMs ?? 15_000,
      });
      this.heartbeatsSent += 1;
      this.beatAttempt = 0;
      return true;
    } catch (err) {
      this.heartbeatFailures += 1;
      const e = err instanceof AetherBoardError ? err : new AetherBoardError(0, 'unreachable', String(err));
      this.beatAttempt = e.retryable ? this.beatAttempt + 1 : 0;
      this.report(e, 'heartbeat');
      return false;
    }
  }

  private heartbeatBody(): HeartbeatInput {
    const s = this.state;
    this.exporter.observePending();
    const v = this.vitals.snapshot(Date.now());
    const body: HeartbeatInput = {
      status: s.status ?? 'ok',
      work_mode: s.work_mode ?? 'idle',
      emitted_at: new Date().toISOString(),
      error_count_1h: s.error_count_1h ?? v.error_count_1h,
      token_burn_1h: s.token_burn_1h ?? v.token_burn_1h,
    };
    const p95 = s.latency_p95_ms ?? v.latency_p95_ms;
    if (p95 !== undefined) body.latency_p95_ms = p95;
    if (s.summary) body.summary = s.summary.slice(0, 140);
    if (s.queue_depth !== undefined) body.queue_depth = s.queue_depth;
    if (s.active_assignment_id !== undefined) body.active_assignment_id = s.active_assignment_id;
    return body;
  }

  private scheduleBeat(delayMs: number): void {
    if (this.beatTimer !== undefined) clearTimeout(this.beatTimer);
    this.beatTimer = setTimeout(() => void this.beat(), delayMs);
    this.beatTimer.unref?.();
  }

  private async beat(): Promise<void> {
    this.beatTimer = undefined;
    if (!this.started) return;
    this.beatInFlight = true;
    const ok = await this.heartbeat();
    this.beatInFlight = false;
    if (!this.started) return;
    const cadence = this.cadenceMs;
    let next: number;
    if (this.beatAgain) next = 0;
    // Unreachable: retry sooner than the cadence, backing off, but never slower than it.
    else if (!ok && this.beatAttempt > 0) next = Math.min(cadence, backoffDelay(this.beatAttempt, this.opts.backoff));
    else next = heartbeatDelay(cadence, this.opts.jitter ?? 0.1);
    this.beatAgain = false;
    this.scheduleBeat(next);
  }

  /** @internal Called by the one process-wide `beforeExit` listener. */
  onBeforeExit(): void {
    // beforeExit fires again once our flush has emptied the loop. Try again only while flushing
    // gets somewhere, so a process whose server is gone still exits.
    if (this.exitFlushed || this.exporter.buffered === 0) return;
    this.exitFlushed = true;
    void this.exporter.flush(this.opts.exitFlushTimeoutMs ?? 5_000).then((r) => {
      if (r.sent > 0) this.exitFlushed = false;
    });
  }

  private report(err: Error, where: 'heartbeat' | 'export'): void {
    this.lastError = `${where}: ${err.message}`;
    try {
      this.opts.onError?.(err, where);
    } catch {
      // The agent's own error handler failing must not reach the agent either.
    }
  }

  private useSampler(): void {
    if (!this.usesSampler && this.measureMemory) {
      this.usesSampler = true;
      sampler.acquire();
    }
  }

  // The hot path stores raw readings only and touches as little as it can: the derived figures
  // are worked out at export time (see record.ts), where their cost is nobody's latency.
  private begin(name: string, opts: TrackOptions<never> | undefined): InvocationRecord {
    if (!this.usesSampler) this.useSampler();
    const rec = new InvocationRecord(this.idPrefix, ++this.seq, name, opts);
    if (this.measureMemory) {
      rec.memSeq = sampler.seq;
      rec.memMb = sampler.rssMb;
    }
    const mode = this.cpuMode;
    if (mode === 'exact' || (mode === 'auto' && this.wantsExactCpu(name))) {
      const c = cpuUsage!();
      rec.cpu0 = c.user + c.system;
    } else if (mode !== 'off') rec.cpuSampled = true;
    this.activeCount += 1;
    rec.t0 = performance.now();
    return rec;
  }

  private end(rec: InvocationRecord, ok: boolean, err: unknown, value: unknown): void {
    try {
      rec.t1 = performance.now();
      if (rec.cpu0 >= 0) {
        const c = cpuUsage!();
        rec.cpu1 = c.user + c.system;
      }
      if (this.cpuMode === 'auto') this.learn(rec.name, rec.t1 - rec.t0);
      if (this.measureMemory) rec.memSeqEnd = sampler.seq;
      if (!ok) {
        rec.success = false;
        if (rec.errorDetails === undefined) rec.errorDetails = describeError(err);
      } else if (rec.opts?.result) {
        try {
          rec.report((rec.opts.result as (v: unknown) => Parameters<TrackedInvocation['report']>[0])(value) ?? {});
        } catch {
          // A faulty extractor costs the extra fields, not the record.
        }
      }
      rec.done = true;
      this.activeCount -= 1;
      this.exporter.push(rec);
    } catch {
      // Tracking must never fail the tracked call.
    }
  }

  private typicalOf(name: string): { ms: number } | undefined {
    if (name === this.lastName && this.lastTypical !== undefined) return this.lastTypical;
    const typical = this.typicalMs.get(name);
    if (typical !== undefined) {
      this.lastName = name;
      this.lastTypical = typical;
    }
    return typical;
  }

  private wantsExactCpu(name: string): boolean {
    const typical = this.typicalOf(name);
    // An operation seen for the first time is measured exactly, which also teaches its length.
    return typical === undefined ? this.typicalMs.size < MAX_LEARNED_NAMES : typical.ms >= EXACT_CPU_MIN_MS;
  }

  private learn(name: string, ms: number): void {
    const typical = this.typicalOf(name);
    if (typical !== undefined) typical.ms = typical.ms * 0.8 + ms * 0.2;
    else if (this.typicalMs.size < MAX_LEARNED_NAMES) this.typicalMs.set(name, { ms });
  }

  /** Folds a finished record into the heartbeat vitals, once, when it is exported or dropped. */
  private observe(rec: InvocationRecord): void {
    if (rec.observed) return;
    rec.observed = true;
    this.vitals.record(sampler.wallOffset + rec.t1, rec.durationMs, rec.success, rec.tokens);
  }

  /**
   * Runs `fn` and records it: duration, outcome, process CPU and memory, and whatever the function
   * reports through its argument. Returns exactly what `fn` returns (a promise for an async
   * function) and throws exactly what `fn` throws; tracking itself never throws and never waits.
   */
  track<R>(name: string, fn: (inv: TrackedInvocation) => R, opts?: TrackOptions<Awaited<R>>): R {
    let rec: InvocationRecord | undefined;
    try {
      rec = this.begin(name, opts as TrackOptions<never> | undefined);
    } catch {
      rec = undefined;
    }
    if (rec === undefined) return fn(NOOP);
    let result: R;
    try {
      result = fn(rec);
    } catch (err) {
      this.end(rec, false, err, undefined);
      throw err;
    }
    if (isThenable(result)) {
      const r = rec;
      return Promise.resolve(result).then(
        (v) => {
          this.end(r, true, undefined, v);
          return v;
        },
        (err: unknown) => {
          this.end(r, false, err, undefined);
          throw err;
        },
      ) as R;
    }
    this.end(rec, true, undefined, result);
    return result;
  }

  /** `track` as a decorator: a function that tracks every call of `fn` under `name`. */
  wrap<A extends unknown[], R>(name: string, fn: (...args: A) => R, opts?: TrackOptions<Awaited<R>>): (...args: A) => R {
    return (...args: A) => this.track(name, () => fn(...args), opts);
  }
}

// One process-wide listener however many handles there are (a simulator may run thousands).
const exiting = new Set<AgentHandle>();
let exitListener = false;
function onExit(h: AgentHandle): void {
  exiting.add(h);
  if (!exitListener) {
    exitListener = true;
    process.on('beforeExit', () => {
      for (const x of exiting) x.onBeforeExit();
    });
  }
}

const NOOP: TrackedInvocation = { invocation_id: '', report: () => undefined, fail: () => undefined };
