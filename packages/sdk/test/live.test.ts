import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, dialects, seedOrg, startTestServer, type TestServer } from '../../server/src/test-support/harness.js';
import { AetherBoardError, createClient, paginate, type AetherBoardClient } from '../src/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

async function storedFor(s: TestServer, agentId: string): Promise<number> {
  const db = s.database.db.withTables<{ invocations: { agent_id: string; workspace_id: string } }>();
  const r = await db.selectFrom('invocations').select((eb) => eb.fn.countAll<number>().as('n')).where('agent_id', '=', agentId).executeTakeFirst();
  return Number(r?.n ?? 0);
}

describe.each(dialects())('the SDK against a live server on %s', (dialect) => {
  let s: TestServer;
  let admin: AetherBoardClient;

  beforeAll(async () => {
    s = await startTestServer(dialect, { clock: 'real' });
    admin = createClient({ url: s.url, key: s.rootKey });
    await seedOrg(s.api);
  });
  afterAll(async () => s?.close());

  async function agentWithKey(id: string, extra: Record<string, unknown> = {}): Promise<AetherBoardClient> {
    await admin.agents.create(agentBody(id, extra) as never);
    await admin.agents.transition(id, 'ready', 'joining the fleet');
    const k = await admin.keys.create({ role: 'agent', agent_id: id, label: `${id} key` });
    return createClient({ url: s.url, key: k.key });
  }

  it('stores every one of 100,000 tracked invocations, exactly once', async () => {
    const client = await agentWithKey('cov-1');
    const agent = client.agent('cov-1', { heartbeats: false, batchSize: 5_000, maxBuffer: 100_000 });
    const started = Date.now();
    let sum = 0;
    for (let chunk = 0; chunk < 100; chunk++) {
      for (let i = 0; i < 1_000; i++) sum += agent.track('step', () => i, { complexity_score: 3 });
      // Give the exporter its turns, as an agent's own awaits would.
      await new Promise((r) => setImmediate(r));
    }
    expect(sum).toBe(100 * 499_500);
    const r = await agent.flush(50_000);
    const elapsed = Date.now() - started;
    expect(r.remaining).toBe(0);
    expect(agent.stats).toMatchObject({ sent: 100_000, dropped: 0, rejected: 0, buffered: 0, active: 0 });
    expect(await storedFor(s, 'cov-1')).toBe(100_000);
    const a = await admin.agents.get('cov-1');
    expect(a.metrics).toMatchObject({ total_tasks: 100_000, successful_tasks: 100_000, failed_tasks: 0 });
    const m = await admin.agents.metrics('cov-1', { period: 'hourly' });
    expect(m).toMatchObject({ total_invocations: 100_000, succeeded: 100_000, success_rate: 1, avg_complexity_handled: 3 });
    process.stderr.write(`sdk coverage on ${dialect}: 100000 invocations tracked and stored in ${elapsed} ms\n`);
    await agent.stop();
  }, 120_000);

  it('retries a batch whose answer was lost without counting it twice', async () => {
    const client = await agentWithKey('lost-1');
    let lost = 0;
    const lossy = createClient({
      url: s.url,
      key: client.options.key,
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        // The server stored the first batch; its answer never reaches the agent.
        if (input.endsWith('/api/invocations/batch') && lost++ === 0) throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
        return res;
      },
    });
    const agent = lossy.agent('lost-1', { heartbeats: false, batchSize: 50, backoff: { baseMs: 5, maxMs: 10 } });
    for (let i = 0; i < 120; i++) agent.track('t', () => i);
    await agent.flush();
    expect(lost).toBeGreaterThan(1);
    expect(agent.stats).toMatchObject({ sent: 120, buffered: 0, failed_requests: 1 });
    expect(await storedFor(s, 'lost-1')).toBe(120);
    expect((await admin.agents.get('lost-1')).metrics.total_tasks).toBe(120);
  });

  it('sends heartbeats at the cadence, and a status change at once', async () => {
    const client = await agentWithKey('hb-1');
    const agent = client.agent('hb-1', { tier: 'P0', cadenceMs: 100, jitter: 0.2, summary: 'warming up' }).start();
    await until(async () => agent.stats.heartbeats_sent >= 3);
    agent.setStatus({ status: 'degraded', work_mode: 'executing', summary: 'rate limited upstream' });
    await until(async () => (await admin.agents.heartbeats('hb-1', { limit: 1 })).items[0]?.summary === 'rate limited upstream');
    const [latest] = (await admin.agents.heartbeats('hb-1', { limit: 1 })).items;
    expect(latest).toMatchObject({ status: 'degraded', work_mode: 'executing', error_count_1h: 0 });
    const got = await admin.agents.get('hb-1');
    expect(got.last_status).toBe('degraded');
    expect(got.last_seen_at).not.toBeNull();
    expect(agent.stats.heartbeat_failures).toBe(0);
    await agent.stop();
    const after = agent.stats.heartbeats_sent;
    await sleep(300);
    expect(agent.stats.heartbeats_sent).toBe(after);
  });

  it('reports tracked failures and token burn in the heartbeat vitals', async () => {
    const client = await agentWithKey('hb-2');
    const agent = client.agent('hb-2', { cadenceMs: 60_000 });
    agent.track('a', (inv) => inv.report({ tokens_used: 300 }));
    agent.track('b', (inv) => inv.fail('nope'));
    agent.start();
    await until(async () => agent.stats.heartbeats_sent >= 1);
    const [beat] = (await admin.agents.heartbeats('hb-2', { limit: 1 })).items;
    expect(beat).toMatchObject({ error_count_1h: 1, token_burn_1h: 300 });
    expect(beat!.latency_p95_ms).not.toBeNull();
    await agent.stop();
    const list = await client.invocations.list({ agent_id: 'hb-2' });
    expect(list.items.map((i) => i.name).sort()).toEqual(['a', 'b']);
    expect(list.items.find((i) => i.name === 'b')).toMatchObject({ success: false, error_details: 'nope' });
  });

  it('gives the admin helpers a typed, consistent surface', async () => {
    const member = await admin.members.create({ member_id: 'sdk-owner', name: 'Sam Owner', kind: 'human' });
    expect(member.kind).toBe('human');
    expect((await admin.members.get('sdk-owner')).name).toBe('Sam Owner');
    const pod = await admin.pods.create({ pod_id: 'sdk-pod', name: 'SDK Pod', team_id: 'sdk-team', lead_id: 'sdk-owner' });
    expect(pod.team_id).toBe('sdk-team');
    expect((await admin.pods.list({ team_id: 'sdk-team' })).items.map((p) => p.pod_id)).toEqual(['sdk-pod']);
    const created = await admin.agents.create(agentBody('sdk-a1', { owner_id: 'sdk-owner', pod_id: 'sdk-pod', team_id: 'sdk-team', priority_tier: 'P2' }) as never);
    expect(created.current_state).toBe('registered');
    expect((await admin.agents.transition('sdk-a1', 'ready', 'go')).current_state).toBe('ready');
    expect((await admin.agents.update('sdk-a1', { notes: 'hello' })).notes).toBe('hello');
    const ids: string[] = [];
    for await (const a of paginate(admin.agents.list, { team_id: 'sdk-team', limit: 1 })) ids.push(a.agent_id);
    expect(ids).toEqual(['sdk-a1']);
    const trail = await admin.agents.transitions('sdk-a1');
    expect(trail.items.map((t) => t.to)).toEqual(['registered', 'ready']);

    const k = await admin.keys.create({ role: 'agent', agent_id: 'sdk-a1', label: 'sdk-a1' });
    const agentClient = createClient({ url: s.url, key: k.key });
    expect((await agentClient.me()).agent_id).toBe('sdk-a1');
    expect((await admin.keys.list({ limit: 1000 })).items.some((x) => x.key_id === k.key_id)).toBe(true);
    await admin.keys.revoke(k.key_id);
    const refused = await agentClient.heartbeats.send('sdk-a1', { status: 'ok', work_mode: 'idle' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AetherBoardError);
    expect(refused).toMatchObject({ status: 401, code: 'unauthorized', retryable: false });

    expect((await admin.heartbeats.send('sdk-a1', { status: 'ok', work_mode: 'idle' })).accepted).toBe(true);
    const batch = await admin.heartbeats.sendBatch([{ agent_id: 'sdk-a1', status: 'ok', work_mode: 'executing' }, { agent_id: 'ghost', status: 'ok', work_mode: 'idle' }]);
    expect(batch.accepted).toBe(1);
    expect(batch.rejected[0]!.index).toBe(1);

    const alerts = await admin.alerts.list({ agent_id: 'sdk-a1' });
    expect(Array.isArray(alerts.items)).toBe(true);
    await expect(admin.alerts.ack('no-such-alert', 'looking')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(admin.agents.get('ghost')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(admin.agents.create({ agent_name: 'x' } as never)).rejects.toMatchObject({ status: 400, code: 'validation_failed' });

    const asg = await admin.assignments.create({ agent_id: 'sdk-a1', workstream_id: 'w1', role_on_task: 'owner', contract: { scope: 'ship it', definition_of_done: ['merged'] } });
    expect((await admin.assignments.update(asg.assignment_id, { status: 'done' })).status).toBe('done');
    // Open work moves to another agent in one call; the same call on ended work is a 409.
    await admin.agents.create(agentBody('sdk-b1', { owner_id: 'sdk-owner', team_id: 'sdk-other', priority_tier: 'P2' }) as never);
    const open = await admin.assignments.create({ agent_id: 'sdk-a1', workstream_id: 'w2', role_on_task: 'owner' });
    const moved = await admin.assignments.reassign(open.assignment_id, { agent_id: 'sdk-b1', reason: 'a1 is busy' });
    expect(moved.handed_off.status).toBe('handoff');
    expect(moved.assignment).toMatchObject({ agent_id: 'sdk-b1', workstream_id: 'w2', status: 'active' });
    await expect(admin.assignments.reassign(asg.assignment_id, { agent_id: 'sdk-b1' })).rejects.toMatchObject({ status: 409, code: 'conflict' });
    const started = await admin.invocations.start({ agent_id: 'sdk-a1', task_description: 'Optimize the query' });
    expect(started.complexity_score).toBe(5);
    const done = await admin.invocations.complete(started.invocation_id, { success: true, tokens_used: 10, cost_usd: 0.25 });
    expect(done.outcome).toBe('success');
    expect((await admin.invocations.get(started.invocation_id)).tokens_used).toBe(10);
    const team = await admin.analytics.team('sdk-team', { days: 2 });
    expect(team).toMatchObject({ agents: 1, total_invocations: 1, succeeded: 1 });
    expect(team.throughput.at(-1)!.completed).toBe(1);
    expect((await admin.analytics.pod('sdk-pod')).cost.spent_today_usd).toBe(0.25);
    expect((await admin.analytics.top({ team_id: 'sdk-team' })).items[0]!.agent_id).toBe('sdk-a1');
    expect((await admin.analytics.workspace()).scope).toBe('workspace');
    expect((await admin.fleet.summary()).cost.spent_today_usd).toBeGreaterThanOrEqual(0.25);

    const fired = await admin.agents.fire('sdk-a1', 'dumb', 'kept answering the wrong question');
    expect(fired).toMatchObject({ current_state: 'retired', fired_count: 1 });
    expect((await admin.health()).status).toBe('ok');
  });
});
