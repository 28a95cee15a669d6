import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, makeApi, seedOrg, type Api } from '../src/test-support/harness.js';
import { CLUSTER_ROOT_KEY, createDatabase, freePort, startReplica, stopReplica, type Replica } from './fixtures/cluster.js';

const PG = Boolean(process.env.CI || process.env.DATABASE_URL);
if (!PG) process.stderr.write('note: replica tests skipped (set CI=1 or DATABASE_URL to run them)\n');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    // Only undefined and false mean "not yet": a replica index of 0 is an answer.
    if (v !== undefined && v !== false) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.runIf(PG)('replicas on one PostgreSQL', () => {
  let db: { url: string; drop(): Promise<void> };
  const replicas: Replica[] = [];
  const apis: Api[] = [];
  let receiver: Server;
  const opened: string[] = [];
  let sql: pg.Client;

  const beat = (api: Api, ids: string[], tag = 'x') =>
    api('POST', '/api/heartbeats', { body: { heartbeats: ids.map((agent_id) => ({ agent_id, status: 'ok', work_mode: 'idle', summary: `${tag}` })) } });
  const leaderIndex = async () => {
    const st = await Promise.all(replicas.map(async (r, i) => (r.proc.exitCode === null && r.proc.signalCode === null ? (await apis[i]!('GET', '/api/system/status')).body?.engine?.leader : false)));
    return st.map((l, i) => (l ? i : -1)).filter((i) => i >= 0);
  };

  beforeAll(async () => {
    db = await createDatabase();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const e = JSON.parse(body) as { event: string; alert_id: string };
        if (e.event === 'alert.opened') opened.push(e.alert_id);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    // Three replicas started together race their migrations and their leadership.
    const started = await Promise.all([0, 1, 2].map(() => startReplica(db.url, freePort())));
    replicas.push(...started);
    apis.push(...replicas.map((r) => makeApi(r.url, CLUSTER_ROOT_KEY)));
    await seedOrg(apis[0]!);
    await apis[0]!('PATCH', '/api/settings/liveness', { body: { cadence_s: { P0: 1 }, fleet_outage_min_agents: 100_000 } });
    await apis[1]!('POST', '/api/webhooks', { body: { url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/`, events: ['alert.opened'], secret: 'cluster-secret-0123456789' } });
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas) await stopReplica(r);
    await sql?.end();
    await new Promise((r) => receiver?.close(r));
    await db?.drop();
  });

  it('serves one fleet from any replica, with exactly one engine leader', async () => {
    for (let i = 0; i < 6; i++) expect((await apis[i % 3]!('POST', '/api/agents', { body: agentBody(`r-${i}`) })).status).toBe(201);
    const list = (await apis[2]!('GET', '/api/agents?limit=100')).body.items.map((a: { agent_id: string }) => a.agent_id);
    expect(list).toEqual(expect.arrayContaining(['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'r-5']));
    await apis[1]!('POST', '/api/agents/r-0/transitions', { body: { to: 'ready', reason: 'go' } });
    expect((await beat(apis[2]!, ['r-0'], 'via-2')).body.accepted).toBe(1);
    expect((await apis[0]!('GET', '/api/agents/r-0/heartbeats?limit=1')).body.items[0].summary).toBe('via-2');
    expect(await until('one leader', async () => ((await leaderIndex()).length === 1 ? true : undefined))).toBe(true);
  });

  it('pages once per condition however many replicas race', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `race-${i}`);
    for (const id of ids) await apis[0]!('POST', '/api/agents', { body: agentBody(id) });
    // Monitoring starts for all of them at once, through all three replicas; none ever beats, so
    // each has exactly one condition: one alert, one notification.
    await Promise.all(ids.map((id, i) => apis[i % 3]!('POST', `/api/agents/${id}/transitions`, { body: { to: 'ready', reason: 'go' } })));
    // Every replica also evaluates agents right after their beats; only the database decides who pages.
    await until('30 breach alerts', async () => {
      const r = await sql.query("SELECT count(*)::int AS n FROM alerts WHERE kind = 'heartbeat_breach' AND agent_id LIKE 'race-%'");
      return r.rows[0].n >= 30 ? true : undefined;
    });
    await sleep(1500);
    const dup = await sql.query("SELECT agent_id, count(*)::int AS n FROM alerts WHERE kind = 'heartbeat_breach' AND agent_id LIKE 'race-%' GROUP BY agent_id HAVING count(*) > 1");
    if (dup.rows.length > 0) {
      const detail = await sql.query("SELECT agent_id, alert_id, status, opened_at, resolved_at, resolved_by, resolve_note FROM alerts WHERE agent_id = $1 ORDER BY alert_id", [dup.rows[0].agent_id]);
      const ev = await sql.query("SELECT at, type, from_value, to_value, reason FROM events WHERE agent_id = $1 ORDER BY seq", [dup.rows[0].agent_id]);
      process.stderr.write(`DUP ${JSON.stringify(detail.rows)}\nEVENTS ${JSON.stringify(ev.rows)}\n`);
    }
    expect(dup.rows).toEqual([]);
    const ours = (await sql.query("SELECT alert_id FROM alerts WHERE kind = 'heartbeat_breach' AND agent_id LIKE 'race-%'")).rows.map((r: { alert_id: string }) => r.alert_id);
    await until('webhook deliveries', async () => (ours.every((id: string) => opened.includes(id)) ? true : undefined));
    for (const id of ours) expect(opened.filter((x) => x === id)).toHaveLength(1);
  }, 60_000);

  it('delivers live events to clients of any replica', async () => {
    const ac = new AbortController();
    const res = await fetch(`${replicas[2]!.url}/api/events`, { headers: { authorization: `Bearer ${CLUSTER_ROOT_KEY}` }, signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const seen = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return false;
        text += new TextDecoder().decode(value);
        if (text.includes('live-1')) return true;
      }
    })();
    await sleep(300);
    await apis[0]!('POST', '/api/agents', { body: agentBody('live-1') });
    const ok = await Promise.race([seen, sleep(5000).then(() => false)]);
    ac.abort();
    expect(ok).toBe(true);
  });

  it('fails over within two lease periods when the leader is killed, losing and duplicating nothing', { timeout: 90_000 }, async () => {
    const live = Array.from({ length: 20 }, (_, i) => `fo-live-${i}`);
    const victims = Array.from({ length: 10 }, (_, i) => `fo-victim-${i}`);
    for (const id of [...live, ...victims]) await apis[0]!('POST', '/api/agents', { body: agentBody(id) });
    const [leader] = await leaderIndex();
    expect(leader).toBeDefined();
    const others = [0, 1, 2].filter((i) => i !== leader);
    const acked = new Set<string>();
    let n = 0;
    let stop = false;
    // Sustained ingest to every replica, the leader included, until after the failover.
    const writer = async (i: number) => {
      while (!stop) {
        const tag = `ack-${i}-${n++}`;
        try {
          const r = await beat(apis[i]!, live, tag);
          if (r.status === 202 && r.body.accepted === live.length) acked.add(tag);
        } catch {
          // a dead replica's connection: not acknowledged
        }
        await sleep(100);
      }
    };
    const writers = [0, 1, 2].map((i) => writer(i));
    await sleep(200);
    await Promise.all([...live, ...victims].map((id, i) => apis[i % 3]!('POST', `/api/agents/${id}/transitions`, { body: { to: 'ready', reason: 'go' } })));
    await beat(apis[others[0]!]!, victims, 'victim-last');
    await sleep(300);
    const killedAt = Date.now();
    replicas[leader!]!.proc.kill('SIGKILL');
    await replicas[leader!]!.exited;
    // Victims went silent just before the kill: their breach falls due during the failover.
    const newLeader = await until('a new leader', async () => {
      for (const i of others) if ((await apis[i]!('GET', '/api/system/status')).body.engine.leader) return i;
      return undefined;
    }).catch(async (err: unknown) => {
      // Say why: who holds the lease, what every session of this database is doing and waiting on.
      const lease = await sql.query('SELECT holder, epoch, expires_at, (extract(epoch from clock_timestamp()) * 1000)::bigint AS now FROM leases');
      const act = await sql.query("SELECT pid, application_name, state, wait_event_type, wait_event, xact_start, left(query, 200) AS query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
      const locks = await sql.query("SELECT l.pid, l.locktype, l.relation::regclass AS rel, l.mode, l.granted FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.datname = current_database() AND l.locktype IN ('relation','tuple','transactionid') AND l.pid <> pg_backend_pid()");
      const st = await Promise.all(others.map(async (i) => (await apis[i]!('GET', '/api/system/status')).body.engine));
      process.stderr.write(`LEASE ${JSON.stringify(lease.rows)}\nSTATUS ${JSON.stringify(st)}\nACTIVITY ${JSON.stringify(act.rows, null, 1)}\nLOCKS ${JSON.stringify(locks.rows)}\n`);
      throw err;
    });
    await until('victims paged', async () => {
      const r = await sql.query("SELECT count(DISTINCT agent_id)::int AS n FROM alerts WHERE kind = 'heartbeat_breach' AND agent_id LIKE 'fo-victim-%'");
      return r.rows[0].n === victims.length ? true : undefined;
    });
    const gap = Date.now() - killedAt;
    stop = true;
    await Promise.all(writers);
    expect(newLeader).not.toBe(leader);
    expect(gap).toBeLessThan(2 * 2000 + 3000);
    const stored = new Set((await sql.query("SELECT DISTINCT summary FROM heartbeats WHERE summary LIKE 'ack-%'")).rows.map((r: { summary: string }) => r.summary));
    expect([...acked].filter((t) => !stored.has(t))).toEqual([]);
    const dup = await sql.query("SELECT dedup_key FROM alerts WHERE status <> 'resolved' GROUP BY dedup_key HAVING count(*) > 1");
    expect(dup.rows).toEqual([]);
    const live2 = await sql.query("SELECT count(*)::int AS n FROM alerts WHERE kind = 'heartbeat_breach' AND agent_id LIKE 'fo-live-%'");
    expect(live2.rows[0].n).toBe(0);
    process.stderr.write(`failover: leader killed, deadlines evaluated again after ${gap} ms; ${acked.size} acknowledged batches all stored\n`);
  });
});
