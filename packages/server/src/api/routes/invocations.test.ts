import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../clock.js';
import { setComplexityEstimator, sweepAbandoned } from '../../service/invocations.js';
import { updateSettingsSection } from '../../store/workspaces.js';
import { T0, agentBody, dialects, makeApi, seedOrg, startTestServer, type Api, type TestServer } from '../../test-support/harness.js';

const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

function finished(id: string, agent: string, startOffsetMs: number, durationMs: number, success: boolean, extra: Record<string, unknown> = {}) {
  return {
    invocation_id: id,
    agent_id: agent,
    task_description: 'refactor the parser',
    started_at: at(startOffsetMs),
    execution_time_ms: durationMs,
    success,
    ...extra,
  };
}

describe.each(dialects())('invocations over HTTP on %s', (dialect) => {
  let s: TestServer;
  let api: Api;
  let clock: ManualClock;
  let agentKey: Api;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    api = s.api;
    clock = s.clock as ManualClock;
    await seedOrg(api);
    for (const id of ['inv-a', 'inv-b', 'inv-c', 'inv-d']) expect((await api('POST', '/api/agents', { body: agentBody(id) })).status).toBe(201);
    const k = await api('POST', '/api/keys', { body: { role: 'agent', agent_id: 'inv-a', label: 'inv-a key' } });
    agentKey = makeApi(s.url, k.body.key);
  });
  afterAll(async () => s?.close());

  const metricsOf = async (id: string) => (await api('GET', `/api/agents/${id}`)).body.metrics;

  it('starts an invocation, estimates its complexity from the task, and completes it with every field of seed 004', async () => {
    const r = await api('POST', '/api/invocations', {
      body: { agent_id: 'inv-a', task_description: 'Redesign the billing pipeline', context: { file_count: 3, task_type: 'implementation' }, name: 'plan' },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ agent_id: 'inv-a', complexity_score: 10, complexity_source: 'estimated', started_at: at(0) });
    const id = r.body.invocation_id as string;
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);

    const open = await api('GET', `/api/invocations/${id}`);
    expect(open.body).toMatchObject({ outcome: 'open', success: null, completed_at: null, context: { file_count: 3 }, name: 'plan' });

    clock.setTo(T0 + 1500);
    const c = await api('POST', `/api/invocations/${id}/complete`, {
      body: {
        success: true,
        outcome_summary: 'done',
        cpu_usage_percent: 42.5,
        memory_usage_mb: 120,
        peak_memory_mb: 180.5,
        tokens_used: 1234,
        cost_usd: 0.0123,
      },
    });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({
      invocation_id: id,
      outcome: 'success',
      success: true,
      outcome_summary: 'done',
      execution_time_ms: 1500,
      cpu_usage_percent: 42.5,
      memory_usage_mb: 120,
      peak_memory_mb: 180.5,
      tokens_used: 1234,
      cost_usd: 0.0123,
      error_details: null,
      started_at: at(0),
      completed_at: at(1500),
    });
    expect(await metricsOf('inv-a')).toEqual({ total_tasks: 1, successful_tasks: 1, failed_tasks: 0, avg_response_time_ms: 1500 });

    const again = await api('POST', `/api/invocations/${id}/complete`, { body: { success: false } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
    expect(await metricsOf('inv-a')).toMatchObject({ total_tasks: 1, failed_tasks: 0 });
  });

  it('keeps a client score, applies the seed keyword order, and lets the estimator be replaced', async () => {
    const given = await api('POST', '/api/invocations', { body: { agent_id: 'inv-b', task_description: 'rewrite everything', complexity_score: 3 } });
    expect(given.body).toMatchObject({ complexity_score: 3, complexity_source: 'client' });
    const simpleFirst = await api('POST', '/api/invocations', { body: { agent_id: 'inv-b', task_description: 'Fix typo in the distributed cache' } });
    expect(simpleFirst.body.complexity_score).toBe(2);
    const plain = await api('POST', '/api/invocations', { body: { agent_id: 'inv-b', task_description: 'look around' } });
    expect(plain.body.complexity_score).toBe(5);
    setComplexityEstimator(s.app.svc, (task) => task.length);
    try {
      const custom = await api('POST', '/api/invocations', { body: { agent_id: 'inv-b', task_description: 'a very long task description indeed' } });
      expect(custom.body.complexity_score).toBe(10);
      setComplexityEstimator(s.app.svc, () => {
        throw new Error('broken estimator');
      });
      const broken = await api('POST', '/api/invocations', { body: { agent_id: 'inv-b', task_description: 'scale it' } });
      expect(broken.status).toBe(201);
      expect(broken.body.complexity_score).toBe(5);
    } finally {
      setComplexityEstimator(s.app.svc, null);
    }
    const bad = await api('POST', '/api/invocations', { body: { agent_id: 'inv-b', task_description: 'x', complexity_score: 11 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('answers a repeated start with the first one, refuses unknown and retired agents', async () => {
    const first = await api('POST', '/api/invocations', { body: { invocation_id: 'client-1', agent_id: 'inv-b', task_description: 'migration of data' } });
    expect(first.status).toBe(201);
    const replay = await api('POST', '/api/invocations', { body: { invocation_id: 'client-1', agent_id: 'inv-b', task_description: 'migration of data' } });
    expect(replay.status).toBe(200);
    expect(replay.body.invocation_id).toBe('client-1');
    const clash = await api('POST', '/api/invocations', { body: { invocation_id: 'client-1', agent_id: 'inv-c', task_description: 'x' } });
    expect(clash.status).toBe(409);
    const ghost = await api('POST', '/api/invocations', { body: { agent_id: 'ghost', task_description: 'x' } });
    expect(ghost.status).toBe(422);
    expect(ghost.body.error.code).toBe('unknown_reference');
    await api('POST', '/api/agents', { body: agentBody('inv-fired') });
    await api('POST', '/api/agents/inv-fired/fire', { body: { reason: 'dumb' } });
    expect((await api('POST', '/api/invocations', { body: { agent_id: 'inv-fired', task_description: 'x' } })).status).toBe(409);
    expect((await api('POST', '/api/invocations/nope/complete', { body: { success: true } })).status).toBe(404);
    expect((await api('GET', '/api/invocations/nope')).status).toBe(404);
  });

  it('lets an agent key act for its own agent only; viewers read, operators write', async () => {
    const own = await agentKey('POST', '/api/invocations', { body: { agent_id: 'inv-a', task_description: 'x' } });
    expect(own.status).toBe(201);
    expect((await agentKey('POST', '/api/invocations', { body: { agent_id: 'inv-b', task_description: 'x' } })).status).toBe(403);
    const others = await api('POST', '/api/invocations', { body: { agent_id: 'inv-b', task_description: 'x' } });
    expect((await agentKey('POST', `/api/invocations/${others.body.invocation_id}/complete`, { body: { success: true } })).status).toBe(403);
    expect((await agentKey('GET', `/api/invocations/${others.body.invocation_id}`)).status).toBe(403);
    expect((await agentKey('POST', `/api/invocations/${own.body.invocation_id}/complete`, { body: { success: true } })).status).toBe(200);
    const mixed = await agentKey('POST', '/api/invocations/batch', { body: { invocations: [finished('ak-1', 'inv-a', 0, 5, true), finished('ak-2', 'inv-b', 0, 5, true)] } });
    expect(mixed.status).toBe(403);
    expect((await api('GET', '/api/invocations/ak-1')).status).toBe(404);
    const mine = await agentKey('POST', '/api/invocations/batch', { body: { invocations: [finished('ak-1', 'inv-a', 0, 5, true)] } });
    expect(mine.status).toBe(202);
    const list = await agentKey('GET', '/api/invocations?limit=1000');
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    expect(list.body.items.every((i: { agent_id: string }) => i.agent_id === 'inv-a')).toBe(true);
    expect((await agentKey('GET', '/api/invocations?agent_id=inv-b')).status).toBe(403);
    expect((await agentKey('GET', '/api/agents/inv-b/metrics')).status).toBe(403);
    expect((await agentKey('GET', '/api/agents/inv-a/metrics')).status).toBe(200);

    const viewer = makeApi(s.url, (await api('POST', '/api/keys', { body: { role: 'viewer', label: 'v' } })).body.key);
    expect((await viewer('GET', '/api/invocations')).status).toBe(200);
    expect((await viewer('POST', '/api/invocations', { body: { agent_id: 'inv-a', task_description: 'x' } })).status).toBe(403);
    expect((await viewer('POST', '/api/invocations/batch', { body: { invocations: [finished('v-1', 'inv-a', 0, 5, true)] } })).status).toBe(403);
    const op = makeApi(s.url, (await api('POST', '/api/keys', { body: { role: 'operator', label: 'o' } })).body.key);
    expect((await op('POST', '/api/invocations', { body: { agent_id: 'inv-b', task_description: 'x' } })).status).toBe(201);
  });

  it('validates batch items one by one and never counts a retried batch twice', async () => {
    const before = await metricsOf('inv-c');
    const items = [
      finished('b-1', 'inv-c', 0, 100, true, { tokens_used: 10, cost_usd: 0.5 }),
      finished('b-2', 'inv-c', 0, 300, false, { error_details: 'TypeError: boom' }),
      { ...finished('b-3', 'inv-c', 0, 100, true), complexity_score: 11 },
      { agent_id: 'inv-c', started_at: at(0), success: true },
      finished('b-5', 'ghost', 0, 100, true),
      finished('b-1', 'inv-c', 0, 100, true),
      finished('b-7', 'inv-c', 0, 100, true, { completed_at: at(-1) }),
      'not an object',
      { ...finished('b-9', 'inv-c', 0, 100, true), extra_field: 1 },
    ];
    const r = await api('POST', '/api/invocations/batch', { body: { invocations: items } });
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(3);
    expect(r.body.duplicates).toBe(1);
    expect(r.body.rejected.map((x: { index: number }) => x.index)).toEqual([2, 3, 4, 6, 7, 8]);
    expect(r.body.rejected.find((x: { index: number }) => x.index === 4).error.code).toBe('unknown_reference');
    expect(r.body.rejected.find((x: { index: number }) => x.index === 2).error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('complexity_score') });
    const after = await metricsOf('inv-c');
    expect(after.total_tasks - before.total_tasks).toBe(2);
    expect(after.successful_tasks - before.successful_tasks).toBe(1);
    expect(after.failed_tasks - before.failed_tasks).toBe(1);

    const retry = await api('POST', '/api/invocations/batch', { body: { invocations: items.slice(0, 2) } });
    expect(retry.body).toEqual({ accepted: 2, duplicates: 2, rejected: [] });
    expect(await metricsOf('inv-c')).toEqual(after);

    const b2 = await api('GET', '/api/invocations/b-2');
    expect(b2.body).toMatchObject({ outcome: 'failure', success: false, error_details: 'TypeError: boom', execution_time_ms: 300, completed_at: at(300), complexity_score: 5 });
  });

  it('completes an open invocation from a batch item with the same id', async () => {
    const st = await api('POST', '/api/invocations', { body: { invocation_id: 'open-then-batch', agent_id: 'inv-d', task_description: 'security review' } });
    expect(st.body.complexity_score).toBe(8);
    const before = await metricsOf('inv-d');
    const r = await api('POST', '/api/invocations/batch', { body: { invocations: [finished('open-then-batch', 'inv-d', 0, 250, true)] } });
    expect(r.body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const g = await api('GET', '/api/invocations/open-then-batch');
    expect(g.body).toMatchObject({ outcome: 'success', execution_time_ms: 250, complexity_score: 8 });
    const after = await metricsOf('inv-d');
    expect(after.total_tasks - before.total_tasks).toBe(1);
    const other = await api('POST', '/api/invocations/batch', { body: { invocations: [finished('open-then-batch', 'inv-c', 0, 250, true)] } });
    expect(other.body.rejected[0].error.code).toBe('conflict');
  });

  it('stores fractional execution times as the SDK measures them', async () => {
    const r = await api('POST', '/api/invocations/batch', { body: { invocations: [finished('frac-1', 'inv-c', 0, 12.345, true, { cpu_usage_percent: 99.5 })] } });
    expect(r.body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const g = await api('GET', '/api/invocations/frac-1');
    expect(g.body).toMatchObject({ execution_time_ms: 12.345, started_at: at(0), completed_at: at(12) });
  });

  it('refuses an empty or oversized batch as a whole', async () => {
    expect((await api('POST', '/api/invocations/batch', { body: { invocations: [] } })).status).toBe(400);
    const many = Array.from({ length: 5001 }, (_, i) => finished(`big-${i}`, 'inv-c', 0, 1, true));
    expect((await api('POST', '/api/invocations/batch', { body: { invocations: many } })).status).toBe(400);
    expect((await api('GET', '/api/invocations/big-0')).status).toBe(404);
  });

  it('closes invocations left open past the limit as abandoned failures, and a late completion replaces that', async () => {
    // Earlier tests leave invocations open; clear them first so the counts below are this test's.
    clock.setTo(clock.now() + 3_600_001);
    await sweepAbandoned(s.app.svc, clock.now());
    const t = clock.now();
    const a = await api('POST', '/api/invocations', { body: { agent_id: 'inv-d', task_description: 'never finishes' } });
    const b = await api('POST', '/api/invocations', { body: { agent_id: 'inv-d', task_description: 'finishes late', started_at: new Date(t + 1).toISOString() } });
    const before = await metricsOf('inv-d');
    expect(await sweepAbandoned(s.app.svc, t + 3_600_000 - 1)).toBe(0);
    clock.setTo(t + 3_600_001);
    expect(await sweepAbandoned(s.app.svc, clock.now())).toBe(2);
    const g = await api('GET', `/api/invocations/${a.body.invocation_id}`);
    expect(g.body).toMatchObject({ outcome: 'abandoned', success: false, execution_time_ms: 3_600_001, error_details: expect.stringContaining('abandoned') });
    const mid = await metricsOf('inv-d');
    expect(mid.total_tasks - before.total_tasks).toBe(2);
    expect(mid.failed_tasks - before.failed_tasks).toBe(2);
    expect(await sweepAbandoned(s.app.svc, clock.now())).toBe(0);

    const late = await api('POST', `/api/invocations/${b.body.invocation_id}/complete`, { body: { success: true, execution_time_ms: 3_700_000 } });
    expect(late.status).toBe(200);
    expect(late.body.outcome).toBe('success');
    const after = await metricsOf('inv-d');
    expect(after.total_tasks).toBe(mid.total_tasks);
    expect(after.failed_tasks).toBe(mid.failed_tasks - 1);
    expect(after.successful_tasks).toBe(mid.successful_tasks + 1);

    // A workspace may shorten the limit in its settings.
    await updateSettingsSection(s.database.db, 'default', 'invocations', () => ({ abandon_after_s: 60 }));
    try {
      await api('POST', '/api/invocations', { body: { agent_id: 'inv-d', task_description: 'quick timeout' } });
      clock.setTo(clock.now() + 60_001);
      expect(await sweepAbandoned(s.app.svc, clock.now())).toBe(1);
    } finally {
      await updateSettingsSection(s.database.db, 'default', 'invocations', () => undefined);
    }
  });

  it('pages through invocations newest first without skipping or repeating ties', async () => {
    const items = Array.from({ length: 7 }, (_, i) => finished(`page-${i}`, 'inv-b', 10_000, 5, i % 2 === 0));
    expect((await api('POST', '/api/invocations/batch', { body: { invocations: items } })).body.accepted).toBe(7);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/invocations?agent_id=inv-b&since=${encodeURIComponent(at(10_000))}&until=${encodeURIComponent(at(10_001))}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const r = await api('GET', q);
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((i: { invocation_id: string }) => i.invocation_id));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['page-6', 'page-5', 'page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
    const failures = await api('GET', `/api/invocations?agent_id=inv-b&outcome=failure&since=${encodeURIComponent(at(10_000))}`);
    expect(failures.body.items.map((i: { invocation_id: string }) => i.invocation_id)).toEqual(['page-5', 'page-3', 'page-1']);
    expect((await api('GET', '/api/invocations?cursor=garbage')).status).toBe(400);
    for (const bad of ['1.5:x', '99999999999999999999:x', '5:a\u0000b', ':x', '5:']) {
      const cursor = Buffer.from(JSON.stringify(bad)).toString('base64url');
      expect((await api('GET', `/api/invocations?cursor=${cursor}`)).status, bad).toBe(400);
    }
  });

  it("feeds the fleet summary's cost from invocation spend", async () => {
    const before = (await api('GET', '/api/fleet/summary')).body.cost.spent_today_usd as number;
    const now = clock.now();
    await api('POST', '/api/invocations/batch', {
      body: { invocations: [finished('spend-1', 'inv-b', now - T0, 5, true, { cost_usd: 1.25 }), finished('spend-2', 'inv-c', now - T0, 5, true, { cost_usd: 0.75 })] },
    });
    const after = (await api('GET', '/api/fleet/summary')).body.cost.spent_today_usd as number;
    expect(after - before).toBeCloseTo(2, 6);
  });

  it('documents every invocation and analytics route in the OpenAPI document', async () => {
    const doc = (await api('GET', '/api/openapi.json', { key: null })).body;
    for (const p of [
      '/api/invocations',
      '/api/invocations/{id}',
      '/api/invocations/{id}/complete',
      '/api/invocations/batch',
      '/api/agents/{id}/metrics',
      '/api/analytics/agents/top',
      '/api/analytics/teams/{team_id}',
      '/api/analytics/pods/{pod_id}',
      '/api/analytics/workspace',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(doc.paths['/api/invocations/batch'].post.responses['202']).toBeDefined();
  });
});
