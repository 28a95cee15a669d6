/**
 * Durable heartbeat ingest through the batch route (POST /api/heartbeats) on SQLite.
 *
 * A real server (createApp on a SQLite file, default durability: WAL + synchronous=FULL, real
 * clock, engine loop running) watches AGENTS monitored agents. A load generator in its own
 * process posts batches of 10,000 beats (the SDK's shape, every agent once per batch) over a few
 * keep-alive connections for DURATION_MS after a warm-up; beats/s counts `accepted` from 202
 * responses, i.e. beats the server has committed to disk.
 *
 * Baseline, same run, same disk: the same rows inserted with plain better-sqlite3 prepared
 * statements in transactions of 10,000 into an identical heartbeats table (same migrations,
 * same pragmas) in another file: the floor of what SQLite itself can store durably. It runs
 * before and after the server's run and the mean is used.
 * ratio = beats_per_s / baseline_rows_per_s. Target: 100,000 beats/s.
 *
 * Also printed, because wall figures swing with a shared machine's load: the server process's CPU
 * time per accepted beat (whole run, warm-up included) against the baseline's CPU time per row;
 * cpu_ratio = baseline_cpu_us_per_row / server_cpu_us_per_beat.
 */
import { join } from 'node:path';
import { openDatabase } from '../packages/server/src/store/db.js';
import { LoadGenerator, rawPost } from './lib/load.js';
import { HOST, ROOT_KEY, createBenchServer, scratchDir } from './lib/server.js';
import { MIXED_TIERS, WS, agentId, seedFleet } from './lib/seed.js';
import { note, round } from './lib/stats.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const BATCH = 10_000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WARMUP_MS = 2_000;
const BASELINE_MS = 3_000;
const VARIANTS = 4;
const TARGET = 100_000;
const EMITTED_AT = '2026-01-05T09:00:00.000Z';

interface Beat {
  agent_id: string;
  status: 'ok';
  work_mode: 'executing' | 'idle';
  emitted_at: string;
  queue_depth: number;
  error_count_1h: number;
  latency_p95_ms: number;
  token_burn_1h: number;
  summary: string;
}

/** Batch `v`: BATCH beats over the fleet, values varying with v; none changes an agent's health. */
function batch(v: number): Beat[] {
  return Array.from({ length: BATCH }, (_, k) => {
    const i = (v * BATCH + k) % AGENTS;
    return {
      agent_id: agentId(i),
      status: 'ok',
      work_mode: (i + v) % 5 === 0 ? 'idle' : 'executing',
      emitted_at: EMITTED_AT,
      queue_depth: (i + v) % 13,
      error_count_1h: (i + v) % 4,
      latency_p95_ms: 400 + ((i * 7 + v) % 900),
      token_burn_1h: 10_000 + ((i + v) % 50) * 300,
      summary: `working through the queue, step ${(i + v) % 100}`,
    };
  });
}

/** Plain batched inserts of the same rows, for BASELINE_MS: rows per second and CPU µs per row. */
async function baseline(batches: Beat[][]): Promise<{ rowsPerS: number; cpuUsPerRow: number }> {
  const scratch = scratchDir();
  const database = await openDatabase({ file: join(scratch.dir, 'baseline.db') });
  try {
    const raw = database.sqlite!;
    const insert = raw.prepare(
      `INSERT INTO heartbeats (workspace_id, agent_id, received_at, emitted_at, status, work_mode, active_assignment_id, queue_depth, error_count_1h, latency_p95_ms, token_burn_1h, summary)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const emitted = Date.parse(EMITTED_AT);
    const rows = batches.map((b) => b.map((x) => [WS, x.agent_id, 0, emitted, x.status, x.work_mode, null, x.queue_depth, x.error_count_1h, x.latency_p95_ms, x.token_burn_1h, x.summary]));
    const write = raw.transaction((rs: unknown[][], at: number) => {
      for (const r of rs) {
        r[2] = at;
        insert.run(r);
      }
    });
    let n = 0;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    for (let v = 0; performance.now() - t0 < BASELINE_MS; v++) {
      const rs = rows[v % rows.length]!;
      write(rs, Date.now());
      n += rs.length;
    }
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu);
    return { rowsPerS: n / seconds, cpuUsPerRow: (used.user + used.system) / n };
  } finally {
    await database.close();
    scratch.remove();
  }
}

const batches = Array.from({ length: VARIANTS }, (_, v) => batch(v));
const srv = await createBenchServer();
const load = await LoadGenerator.start();
try {
  const now = srv.clock.now();
  const policy = await srv.app.svc.policies.get(WS);
  note(`seeding ${AGENTS} agents`);
  seedFleet(srv.database, { count: AGENTS, now, policy, tiers: MIXED_TIERS, lastSeenSpreadS: null, monitorSince: now });
  await srv.app.start();
  const port = await srv.listen();

  note('baseline (plain batched insert)');
  const baseBefore = await baseline(batches);
  note(`server: ${CONNECTIONS} connections x ${BATCH} beats/request, ${DURATION_MS} ms`);
  const requests = batches.map((b) => rawPost(HOST, port, '/api/heartbeats', ROOT_KEY, JSON.stringify({ heartbeats: b })));
  const r = await load.run({ host: HOST, port, connections: CONNECTIONS, warmupMs: WARMUP_MS, durationMs: DURATION_MS, requests, expectStatus: 202, countAccepted: true });
  note('baseline again');
  const baseAfter = await baseline(batches);
  if (r.failures > 0 || r.rejected > 0) throw new Error(`ingest failed: ${r.failures} failed requests, ${r.rejected} rejected beats; first: ${r.firstError}`);

  const stored = (srv.database.sqlite!.prepare('SELECT count(*) AS n FROM heartbeats').get() as { n: number }).n;
  const beatsPerS = r.accepted / r.seconds;
  const base = (baseBefore.rowsPerS + baseAfter.rowsPerS) / 2;
  const serverCpuUs = (r.serverCpuMs * 1000) / r.allAccepted;
  const baseCpuUs = (baseBefore.cpuUsPerRow + baseAfter.cpuUsPerRow) / 2;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'heartbeat-ingest',
      agents: AGENTS,
      beats_per_request: BATCH,
      connections: CONNECTIONS,
      seconds: r.seconds,
      requests: r.completed,
      beats_accepted: r.accepted,
      beats_per_s: round(beatsPerS),
      request_latency_ms: { p50: round(r.latencyMs.p50, 1), p99: round(r.latencyMs.p99, 1) },
      baseline_rows_per_s: round(base),
      baseline_runs_rows_per_s: [round(baseBefore.rowsPerS), round(baseAfter.rowsPerS)],
      ratio: round(beatsPerS / base, 3),
      server_cpu_us_per_beat: round(serverCpuUs, 1),
      baseline_cpu_us_per_row: round(baseCpuUs, 1),
      cpu_ratio: round(baseCpuUs / serverCpuUs, 3),
      heartbeats_stored: stored,
      target_beats_per_s: TARGET,
      pass: beatsPerS >= TARGET,
    })}\n`,
  );
} finally {
  load.stop();
  await srv.close();
}
