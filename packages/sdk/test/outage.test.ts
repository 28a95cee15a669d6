import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../server/src/app.js';
import { bootstrap } from '../../server/src/bootstrap.js';
import { RealClock } from '../../server/src/clock.js';
import { ROOT_KEY, agentBody, dialects, makeApi, openTestDb, seedOrg, type TestDb } from '../../server/src/test-support/harness.js';
import { createClient, type AgentHandle } from '../src/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The server process goes away mid-run and a new one comes back on the same port and the same
 * database. The agent keeps working throughout; nothing is lost beyond the buffer bound.
 */
describe.each(dialects())('the SDK through a server outage on %s', (dialect) => {
  let tdb: TestDb;
  let app: App | undefined;
  let port = 0;
  const clock = new RealClock();

  const serve = async (): Promise<void> => {
    app = createApp({ database: tdb.database, clock, logger: false, rateLimitPerSecond: 0 });
    await app.http.listen({ port, host: '127.0.0.1' });
    const addr = app.http.server.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
  };
  const goAway = async (): Promise<void> => {
    await app?.close();
    app = undefined;
  };
  const url = () => `http://127.0.0.1:${port}`;

  beforeAll(async () => {
    tdb = await openTestDb(dialect);
    await bootstrap(tdb.database, clock, ROOT_KEY);
    await serve();
    await seedOrg(makeApi(url(), ROOT_KEY));
  });
  afterAll(async () => {
    await goAway();
    await tdb?.cleanup();
  });

  async function newAgent(id: string): Promise<string> {
    const api = makeApi(url(), ROOT_KEY);
    expect((await api('POST', '/api/agents', { body: agentBody(id) })).status).toBe(201);
    expect((await api('POST', `/api/agents/${id}/transitions`, { body: { to: 'ready', reason: 'start' } })).status).toBe(200);
    return (await api('POST', '/api/keys', { body: { role: 'agent', agent_id: id, label: id } })).body.key as string;
  }

  async function stored(id: string): Promise<number> {
    const r = await makeApi(url(), ROOT_KEY)('GET', `/api/agents/${id}`);
    return r.body.metrics.total_tasks as number;
  }

  /** Tracks `n` invocations, `perTick` at a time with a short pause, as a busy agent would. */
  async function work(agent: AgentHandle, n: number, perTick: number): Promise<number> {
    let done = 0;
    for (let i = 0; i < n; i += perTick) {
      for (let k = 0; k < perTick && i + k < n; k++) {
        const v = agent.track('step', (inv) => {
          inv.report({ tokens_used: 1 });
          return k;
        });
        if (v !== k) throw new Error('track changed the result');
        done += 1;
      }
      await agent.track('io', async () => sleep(2));
      done += 1;
    }
    return done;
  }

  it('keeps every invocation through the outage and resumes heartbeats, the agent seeing no error', async () => {
    const key = await newAgent('out-1');
    const seen: string[] = [];
    const agent = createClient({ url: url(), key })
      .agent('out-1', { tier: 'P0', cadenceMs: 100, batchSize: 500, maxBuffer: 50_000, backoff: { baseMs: 20, maxMs: 200 }, onError: (e) => seen.push(e.message) })
      .start();
    let tracked = await work(agent, 3_000, 100);
    await goAway();
    tracked += await work(agent, 3_000, 100);
    await sleep(300);
    const down = agent.stats;
    expect(down.buffered).toBeGreaterThan(0);
    expect(down.heartbeat_failures).toBeGreaterThan(0);
    expect(down.failed_requests).toBeGreaterThan(0);
    await serve();
    tracked += await work(agent, 3_000, 100);
    const r = await agent.flush(30_000);
    expect(r.remaining).toBe(0);
    expect(agent.stats).toMatchObject({ sent: tracked, dropped: 0, rejected: 0, buffered: 0 });
    expect(await stored('out-1')).toBe(tracked);
    const beatsBefore = agent.stats.heartbeats_sent;
    await sleep(400);
    expect(agent.stats.heartbeats_sent).toBeGreaterThan(beatsBefore);
    expect(seen.some((m) => m.includes('unreachable') || m.includes('503'))).toBe(true);
    await agent.stop();
  }, 60_000);

  it('loses no more than the buffer bound when the outage outlasts the buffer, and counts exactly what it dropped', async () => {
    const key = await newAgent('out-2');
    const agent = createClient({ url: url(), key }).agent('out-2', { heartbeats: false, batchSize: 200, maxBuffer: 1_000, backoff: { baseMs: 20, maxMs: 100 } });
    let tracked = await work(agent, 1_000, 50);
    await agent.flush(10_000);
    await goAway();
    tracked += await work(agent, 4_000, 100);
    const down = agent.stats;
    expect(down.buffered).toBe(1_000);
    expect(down.dropped).toBeGreaterThan(0);
    await serve();
    // The buffer stays full until the exporter's next retry empties it.
    await agent.flush(10_000);
    tracked += await work(agent, 1_000, 50);
    await agent.flush(30_000);
    const s = agent.stats;
    expect(s.buffered).toBe(0);
    expect(s.sent + s.dropped).toBe(tracked);
    expect(await stored('out-2')).toBe(s.sent);
    // What was lost is exactly what did not fit: everything tracked while away, less the buffer.
    expect(s.dropped).toBe(4_000 + 40 - 1_000);
    await agent.stop();
  }, 60_000);
});
