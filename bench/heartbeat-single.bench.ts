/**
 * Single heartbeat requests (POST /api/agents/:id/heartbeat) against a no-op route of the same
 * Fastify instance, driven by the same load generator (its own process, CONNECTIONS keep-alive
 * connections, one request in flight each), in the same run.
 *
 * The server is the production wiring (SQLite file, WAL + synchronous=FULL, real clock, engine
 * loop running, default rate limiter) with AGENTS monitored agents. Requests go round-robin over
 * the agents; each connection uses its own operator key, as a reporting gateway would (see
 * BENCH_KEYS below). A 202 from the heartbeat route means the beat is on disk: the server's group
 * commit shares one fsync among the requests that arrived together.
 *
 * The no-op route, POST /bench/noop/:id, is added to the same app before it listens: Fastify
 * routes and parses the same JSON body (same size, same content type), the handler checks that
 * an `Authorization: Bearer ...` header is present (no hashing, no key lookup) and answers 202
 * with a body of the same shape as the heartbeat route's. It is the framework's floor.
 *
 * Phases alternate (noop, heartbeat, noop, heartbeat) after a warm-up of both, so drift in the
 * shared machine's load hits both alike; each side's figure is the mean of its rounds.
 * ratio = heartbeat_rps / noop_rps. Target: at least 0.70. Also printed: the server process's
 * CPU time per request on each route (whole runs, warm-ups included) and
 * cpu_ratio = noop_cpu / heartbeat_cpu, which a shared machine's load disturbs far less.
 *
 * BENCH_KEYS=agent makes every request use its own agent's key instead (requireSelfOr's
 * self path); with thousands of keys that mostly measures first-use key bookkeeping.
 */
import { LoadGenerator, rawPost, type LoadResult, type RunResult } from './lib/load.js';
import { HOST, createBenchServer } from './lib/server.js';
import { MIXED_TIERS, WS, agentId, seedFleet, seedKeys } from './lib/seed.js';
import { note, round } from './lib/stats.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WARMUP_MS = 3_000;
const KEYS: 'operator' | 'agent' = process.env.BENCH_KEYS === 'agent' ? 'agent' : 'operator';
const TARGET = 0.7;

/** What the SDK sends every interval. */
const beat = (i: number): string =>
  JSON.stringify({
    status: 'ok',
    work_mode: i % 5 === 0 ? 'idle' : 'executing',
    emitted_at: '2026-01-05T09:00:00.000Z',
    error_count_1h: i % 4,
    token_burn_1h: 10_000 + (i % 50) * 300,
    latency_p95_ms: 400 + ((i * 7) % 900),
    summary: `working through the queue, step ${i % 100}`,
    queue_depth: i % 13,
  });

const srv = await createBenchServer();
const load = await LoadGenerator.start();
try {
  const now = srv.clock.now();
  const policy = await srv.app.svc.policies.get(WS);
  note(`seeding ${AGENTS} agents, ${KEYS} keys`);
  seedFleet(srv.database, { count: AGENTS, now, policy, tiers: MIXED_TIERS, lastSeenSpreadS: null, monitorSince: now });
  const keys = seedKeys(srv.database, KEYS === 'agent' ? AGENTS : CONNECTIONS, KEYS, now);

  srv.app.http.post('/bench/noop/:id', async (req, reply) => {
    if (!req.headers.authorization?.startsWith('Bearer ')) return reply.code(401).send({ error: { code: 'unauthenticated', message: 'missing key' } });
    return reply.code(202).send({ accepted: true, received_at: new Date().toISOString() });
  });
  await srv.app.start();
  const port = await srv.listen();

  // Agent i is always reported with the same key, so each key keeps to its own agents.
  const keyOf = (i: number) => keys[KEYS === 'agent' ? i : i % keys.length]!;
  const requests = (path: (id: string) => string) => Array.from({ length: AGENTS }, (_, i) => rawPost(HOST, port, path(agentId(i)), keyOf(i), beat(i)));
  const heartbeat = requests((id) => `/api/agents/${id}/heartbeat`);
  const noop = requests((id) => `/bench/noop/${id}`);
  const job = (reqs: string[], warmupMs: number) => ({ host: HOST, port, connections: CONNECTIONS, warmupMs, durationMs: DURATION_MS, requests: reqs, expectStatus: 202 });
  const check = <R extends LoadResult>(name: string, r: R): R => {
    if (r.failures > 0) throw new Error(`${name}: ${r.failures} failed requests; first: ${r.firstError}`);
    return r;
  };

  note(`warm-up, then ${ROUNDS} rounds of noop/heartbeat, ${CONNECTIONS} connections, ${DURATION_MS} ms each`);
  const noopRuns: RunResult[] = [];
  const beatRuns: RunResult[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    noopRuns.push(check('noop', await load.run(job(noop, r === 0 ? WARMUP_MS : 500))));
    beatRuns.push(check('heartbeat', await load.run(job(heartbeat, r === 0 ? WARMUP_MS : 500))));
  }
  const mean = (rs: LoadResult[]) => rs.reduce((a, r) => a + r.rps, 0) / rs.length;
  // Server CPU per request over whole runs: steadier than wall figures on a shared machine.
  const cpuUs = (rs: RunResult[]) => (rs.reduce((a, r) => a + r.serverCpuMs, 0) * 1000) / rs.reduce((a, r) => a + r.allCompleted, 0);
  const noopCpu = cpuUs(noopRuns);
  const beatCpu = cpuUs(beatRuns);
  const noopRps = mean(noopRuns);
  const beatRps = mean(beatRuns);
  const last = (rs: LoadResult[]) => rs[rs.length - 1]!.latencyMs;
  const stored = (srv.database.sqlite!.prepare('SELECT count(*) AS n FROM heartbeats').get() as { n: number }).n;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'heartbeat-single',
      agents: AGENTS,
      keys: `${keys.length} ${KEYS}`,
      connections: CONNECTIONS,
      seconds_per_run: DURATION_MS / 1000,
      heartbeat_rps: round(beatRps),
      noop_rps: round(noopRps),
      heartbeat_runs_rps: beatRuns.map((r) => round(r.rps)),
      noop_runs_rps: noopRuns.map((r) => round(r.rps)),
      heartbeat_latency_ms: { p50: round(last(beatRuns).p50, 2), p99: round(last(beatRuns).p99, 2) },
      noop_latency_ms: { p50: round(last(noopRuns).p50, 2), p99: round(last(noopRuns).p99, 2) },
      ratio: round(beatRps / noopRps, 3),
      heartbeat_server_cpu_us_per_req: round(beatCpu, 1),
      noop_server_cpu_us_per_req: round(noopCpu, 1),
      cpu_ratio: round(noopCpu / beatCpu, 3),
      heartbeats_stored: stored,
      target_ratio: TARGET,
      pass: beatRps / noopRps >= TARGET,
    })}\n`,
  );
} finally {
  load.stop();
  await srv.close();
}
