/**
 * Scale-out on PostgreSQL: heartbeat ingest with 1, 2 and 3 replicas on the same database, in
 * one run (the ratio is against one replica measured here, on this machine, now), and the gap
 * when the engine leader is SIGKILLed during ingest.
 */
import pg from 'pg';
import { CLUSTER_ROOT_KEY, createDatabase, freePort, startReplica, stopReplica, type Replica } from '../packages/server/test/fixtures/cluster.js';
import { sleep } from './lib/stats.js';

const AGENTS = 5000;
/** Seeded but never sent a beat by the load generator: its deadline is the failover probe. */
const PROBE = `a${AGENTS}`;
const BATCH = 1000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const H = { authorization: `Bearer ${CLUSTER_ROOT_KEY}`, 'content-type': 'application/json' };

async function seed(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const now = Date.now();
  await c.query(`INSERT INTO members (workspace_id, member_id, name, kind, status, created_at, updated_at) VALUES ('default', 'owner', 'Owner', 'human', 'active', $1, $1)`, [now]);
  await c.query(
    `INSERT INTO agents (workspace_id, agent_id, agent_name, agent_type, capability_tags, model_profile, owner_id, team_id, priority_tier, risk_level,
       current_state, state_changed_at, health, health_changed_at, monitor_since, next_deadline, created_at, updated_at)
     SELECT 'default', 'a' || g, 'a' || g, 'specialist', '["x"]', 'p', 'owner', 't', 'P2', 'low', 'ready', $1::bigint, 'healthy', $1::bigint, $1::bigint, $1::bigint + 600000, $1::bigint, $1::bigint
     FROM generate_series(0, ${AGENTS}) g`,
    [now],
  );
  await c.end();
}

async function ingest(replicas: Replica[], seconds: number, perReplica = 2): Promise<number> {
  const bodies = Array.from({ length: AGENTS / BATCH }, (_, b) =>
    JSON.stringify({ heartbeats: Array.from({ length: BATCH }, (_, i) => ({ agent_id: `a${b * BATCH + i}`, status: 'ok', work_mode: 'executing', queue_depth: 1 })) }),
  );
  let accepted = 0;
  let stop = false;
  const worker = async (r: Replica, w: number) => {
    let k = w;
    while (!stop) {
      const res = await fetch(`${r.url}/api/heartbeats`, { method: 'POST', headers: H, body: bodies[k++ % bodies.length] }).catch(() => null);
      if (res?.status === 202) accepted += ((await res.json()) as { accepted: number }).accepted;
    }
  };
  const started = performance.now();
  const ws = replicas.flatMap((r, i) => Array.from({ length: perReplica }, (_, w) => worker(r, i * perReplica + w)));
  await sleep(seconds * 1000);
  stop = true;
  await Promise.all(ws);
  return accepted / ((performance.now() - started) / 1000);
}

async function withCluster<T>(n: number, fn: (rs: Replica[], url: string) => Promise<T>): Promise<T> {
  const db = await createDatabase();
  const first = await startReplica(db.url, freePort(), { AETHERBOARD_ENGINE_TICK_MS: '250' });
  await seed(db.url);
  const rest = await Promise.all(Array.from({ length: n - 1 }, () => startReplica(db.url, freePort(), { AETHERBOARD_ENGINE_TICK_MS: '250' })));
  const rs = [first, ...rest];
  try {
    return await fn(rs, db.url);
  } finally {
    for (const r of rs) await stopReplica(r);
    await db.drop();
  }
}

const throughput: Record<string, number> = {};
for (const n of [1, 2, 3]) throughput[n] = Math.round(await withCluster(n, (rs) => ingest(rs, SECONDS)));

// Failover: the leader dies under ingest; how long until deadlines are evaluated again?
const failover = await withCluster(3, async (rs, url) => {
  const status = async (r: Replica) => ((await (await fetch(`${r.url}/api/system/status`, { headers: H })).json()) as { engine: { leader: boolean } }).engine.leader;
  await sleep(1000);
  const leader = (await Promise.all(rs.map(status))).indexOf(true);
  const others = rs.filter((_, i) => i !== leader);
  const load = ingest(others, 6, 1);
  await sleep(1000);
  // A probe agent whose deadline falls due right after the kill: when it is evaluated, the engine is back.
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const killAt = Date.now();
  await c.query(`UPDATE agents SET next_deadline = $1::bigint, last_seen_at = $2::bigint, monitor_since = $2::bigint WHERE agent_id = $3`, [killAt + 100, killAt - 3_600_000, PROBE]);
  rs[leader]!.proc.kill('SIGKILL');
  let gap = -1;
  for (let t = 0; t < 400 && gap < 0; t++) {
    await sleep(25);
    const r = await c.query(`SELECT health_changed_at FROM agents WHERE agent_id = $1 AND health <> 'healthy'`, [PROBE]);
    if (r.rows.length > 0) gap = Number(r.rows[0].health_changed_at) - (killAt + 100);
  }
  await load;
  const dup = await c.query(`SELECT count(*)::int AS n FROM (SELECT dedup_key FROM alerts WHERE status <> 'resolved' GROUP BY dedup_key HAVING count(*) > 1) d`);
  await c.end();
  return { gap_ms: gap, duplicate_open_alerts: dup.rows[0].n as number };
});

const leaseTtl = 2000;
console.log(
  JSON.stringify({
    bench: 'replicas',
    agents: AGENTS,
    beats_per_s: throughput,
    ratio_vs_1_replica: { '2': +(throughput[2]! / throughput[1]!).toFixed(2), '3': +(throughput[3]! / throughput[1]!).toFixed(2) },
    failover_gap_ms: failover.gap_ms,
    lease_ttl_ms: leaseTtl,
    gap_vs_two_leases: +(failover.gap_ms / (2 * leaseTtl)).toFixed(2),
    duplicate_open_alerts: failover.duplicate_open_alerts,
    pass: failover.gap_ms >= 0 && failover.gap_ms <= 2 * leaseTtl && failover.duplicate_open_alerts === 0,
  }),
);
