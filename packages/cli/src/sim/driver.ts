import { createClient, type AetherBoardClient, type Alert, type BatchInvocationInput, type Transition } from '@aetherboard/sdk';
import { CliError, EXIT } from '../lib/exit.js';
import type { FaultKind, FaultRule } from './faults.js';
import { buildFleet, type Fleet, type SimAgent } from './fleet.js';
import { Injector, type Fault, type Skipped } from './injector.js';
import { applySettings, loadPolicy, type SettingsFile, type SimPolicy } from './policy.js';
import { AlertWatch, collectAlerts, ours } from './alerts.js';
import { chunks, runPool } from './pool.js';
import { backfillHistory, setupOrg } from './setup.js';
import { keepAliveFetch } from './http.js';
import { Rng } from './prng.js';
import { World, type Counters } from './world.js';

const MIN = 60_000;

export interface SimOptions {
  url: string;
  key: string;
  agents: number;
  pods: number;
  /** Simulated time to run; Infinity runs until `signal` aborts (the demo). */
  durationMs: number;
  /** Simulated time per step; at most the shortest heartbeat interval. */
  tickMs: number;
  /** Simulated time per real time; 0 runs as fast as the server allows (manual clock only); null: 0 on a manual clock, 1 on a real one. */
  speed: number | null;
  seed: string;
  faults: FaultRule[];
  tierMix: [number, number, number];
  working: number;
  prefix: string;
  /** Evaluations within this much simulated time run together (the clock route's resolution_ms). */
  resolutionMs: number;
  concurrency: number;
  /** The simulator started the server itself: the workspace is its own, workforce manager included. */
  ownServer: boolean;
  settings?: SettingsFile;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export interface Progress {
  phase: 'setup' | 'run' | 'report';
  detail: string;
  now: number;
  start: number;
  end: number;
  agents: number;
  beats: number;
  invocations: number;
  requests: number;
  alerts: number;
  alertsP1: number;
  faults: number;
  activeFaults: number;
  wallMs: number;
}

export interface SimRun {
  options: SimOptions;
  manualClock: boolean;
  fleet: Fleet;
  policy: SimPolicy;
  faults: Fault[];
  skipped: Skipped[];
  tailMs: (kind: FaultKind, tier: SimAgent['tier']) => number;
  counters: Counters & { requests: number };
  warnings: string[];
  start: number;
  end: number;
  tickMs: number;
  setupWallMs: number;
  runWallMs: number;
  alerts: Alert[];
  /** System moves blocked → escalated of agents that were stuck, by agent id. */
  escalations: Map<string, Transition[]>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Builds the fleet on the server, drives it through the SDK tick by tick, and gathers what happened. */
export async function runSimulation(opts: SimOptions): Promise<SimRun> {
  let requests = 0;
  const fast = keepAliveFetch();
  const client = createClient({
    url: opts.url,
    key: opts.key,
    timeoutMs: 600_000,
    fetch: (input, init) => {
      requests += 1;
      return fast(input, init);
    },
  });
  const wall0 = performance.now();
  const clockNow = await client.clock.get().catch((err: { status?: number }) => {
    if (err?.status === 404) return null;
    throw err;
  });
  const manual = clockNow !== null;
  const speed = opts.speed ?? (manual ? 0 : 1);
  if (!manual && speed !== 1) throw new CliError('the server runs on the real clock, where time passes at 1×: use --speed 1 (or no --url, for an embedded server on a manual clock)', EXIT.usage);
  if (opts.settings) await applySettings(client, opts.settings);
  const policy = await loadPolicy(client);
  const shortest = Math.min(policy.cadenceMs.P0, policy.cadenceMs.P1, policy.cadenceMs.P2);
  const tickMs = Math.min(opts.tickMs, shortest);

  const rng = new Rng(opts.seed);
  const fleet = buildFleet({ agents: opts.agents, pods: opts.pods, tierMix: opts.tierMix, working: opts.working, prefix: opts.prefix }, rng.fork('fleet'));
  let alerts = { total: 0, p1: 0 };
  const progress = (phase: Progress['phase'], detail: string, w?: World, inj?: Injector) =>
    opts.onProgress?.({
      phase,
      detail,
      now: w?.now ?? 0,
      start: w?.start ?? 0,
      end: w?.end ?? 0,
      agents: fleet.agents.length,
      beats: w?.counters.beats ?? 0,
      invocations: w?.counters.invocations ?? 0,
      requests,
      alerts: alerts.total,
      alertsP1: alerts.p1,
      faults: inj?.faults.length ?? 0,
      activeFaults: inj?.active ?? 0,
      wallMs: performance.now() - wall0,
    });

  await setupOrg(client, fleet, opts.ownServer, opts.concurrency, (d) => progress('setup', d));
  const startIso = manual ? (await client.clock.get()).now : new Date().toISOString();
  const start = Date.parse(startIso);
  await backfillHistory(client, fleet, start, (d) => progress('setup', d));
  const setupWallMs = performance.now() - wall0;

  const end = start + opts.durationMs;
  const w = new World(fleet, policy, rng.fork('behaviour'), start, end, tickMs);
  const warmup = Math.min(15 * MIN, Math.max(tickMs, 0.1 * opts.durationMs));
  const injector = new Injector(w, opts.faults, rng.fork('faults'), Number.isFinite(warmup) ? warmup : 15 * MIN);
  schedule(w, manual);

  const watch = new AlertWatch(client, (a) => ours(a, opts.prefix, start));
  const runWall0 = performance.now();
  const timing: Timing = { beats: 0, calls: 0, invocations: 0, advance: 0 };
  let lastProgress = 0;
  for (;;) {
    w.now = start + w.tick * tickMs;
    if (w.now >= end || opts.signal?.aborted) break;
    injector.step();
    for (const i of w.wakeCal.take(w.tick)) {
      const a = fleet.agents[i]!;
      if (a.wakeTick !== w.tick) continue;
      a.wakeTick = -1;
      w.wake(a);
    }
    for (const i of w.beatCal.take(w.tick)) {
      const a = fleet.agents[i]!;
      if (a.beatTick !== w.tick) continue;
      a.beatTick = -1;
      if (!a.silent) w.beat(a);
    }
    await flush(client, w, opts.concurrency, timing);
    const wallNow = performance.now();
    if (opts.onProgress && wallNow - lastProgress >= 250) {
      lastProgress = wallNow;
      alerts = await watch.poll(wallNow);
      progress('run', '', w, injector);
    }
    if (speed > 0) {
      const due = runWall0 + ((w.tick + 1) * tickMs) / speed;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    if (manual) {
      const t = performance.now();
      await client.request('POST', '/api/clock/advance', { body: { ms: tickMs, resolution_ms: opts.resolutionMs } });
      timing.advance += performance.now() - t;
    }
    w.tick += 1;
  }
  const runWallMs = performance.now() - runWall0;
  if (process.env.AETHERBOARD_SIM_TRACE) process.stderr.write(`\ntiming (ms): ${JSON.stringify(Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v)])))}\n`);
  const simEnd = Math.min(end, w.now);
  progress('report', 'collecting alerts', w, injector);
  const all = await collectAlerts(client, start, (a) => ours(a, opts.prefix, start));
  const escalations = new Map<string, Transition[]>();
  for (const f of injector.faults.filter((x) => x.kind === 'stuck')) {
    const id = fleet.agents[f.agents[0]!]!.id;
    const page = await client.agents.transitions(id, { order: 'asc', limit: 1000 });
    escalations.set(
      id,
      page.items.filter((t) => t.actor === 'system' && t.to === 'escalated'),
    );
  }
  return {
    options: opts,
    manualClock: manual,
    fleet,
    policy,
    faults: injector.faults,
    skipped: injector.skipped,
    tailMs: (k, t) => injector.tailMs(k, t),
    counters: { ...w.counters, requests },
    warnings: w.warnings,
    start,
    end: simEnd,
    tickMs,
    setupWallMs,
    runWallMs,
    alerts: all,
    escalations,
  };
}

/** The first beats spread over one interval (all at once on a real clock, where setup took time). */
function schedule(w: World, manual: boolean): void {
  for (const a of w.fleet.agents) {
    a.state = 'ready';
    const ticks = Math.max(1, Math.floor(w.policy.cadenceMs[a.tier] / w.tickMs));
    w.setBeat(a, manual ? w.rng.int(0, ticks - 1) : 0);
    if (a.working) {
      a.nextTaskAt = w.start + (w.rng.chance(0.7) ? w.rng.range(0, 10 * MIN) : w.rng.range(10 * MIN, 40 * MIN));
      w.scheduleWake(a);
    }
  }
}

/** Heartbeats first (a recovering agent must be seen alive before it is moved), then calls, then invocations. */
interface Timing {
  beats: number;
  calls: number;
  invocations: number;
  advance: number;
}

async function flush(client: AetherBoardClient, w: World, concurrency: number, timing: Timing): Promise<void> {
  let t = performance.now();
  const beats = w.beats;
  w.beats = [];
  await runPool(
    chunks(beats, 10_000).map((batch) => async () => {
      const r = await client.heartbeats.sendBatch(batch);
      for (const x of r.rejected) w.warn(`heartbeat of ${batch[x.index]?.agent_id}: ${x.error.message}`);
    }),
    2,
  );
  timing.beats += performance.now() - t;
  t = performance.now();
  const ops = w.ops;
  w.ops = new Map();
  await runPool(
    [...ops].map(([i, chain]) => async () => {
      for (const op of chain) {
        try {
          await op(client);
        } catch (err) {
          const e = err as { status?: number; message?: string };
          if (e.status === undefined || e.status === 0 || e.status >= 500) throw err;
          w.warn(`${w.fleet.agents[i]!.id}: ${e.message ?? String(err)}`);
          break;
        }
      }
    }),
    concurrency,
  );
  timing.calls += performance.now() - t;
  t = performance.now();
  const invocations: BatchInvocationInput[] = w.invocations;
  w.invocations = [];
  await runPool(
    chunks(invocations, 5_000).map((batch) => async () => {
      const r = await client.invocations.batch(batch);
      for (const x of r.rejected) w.warn(`invocation of ${(batch[x.index] as { agent_id?: string } | undefined)?.agent_id}: ${x.error.message}`);
    }),
    2,
  );
  timing.invocations += performance.now() - t;
}
