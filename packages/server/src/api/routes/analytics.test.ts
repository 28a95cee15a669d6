import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../clock.js';
import { T0, agentBody, dialects, seedOrg, startTestServer, type Api, type TestServer } from '../../test-support/harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

function done(id: string, agent: string, startOffsetMs: number, durationMs: number, success: boolean, extra: Record<string, unknown> = {}) {
  return { invocation_id: id, agent_id: agent, task_description: 'work', started_at: at(startOffsetMs), execution_time_ms: durationMs, success, ...extra };
}

/**
 * The clock stands at T0 + 2 h (Monday 11:00 UTC). an-1 has two invocations in the 09:00 hour and
 * four finished plus one open in the 10:00 hour; the others have a few each in the 10:00 hour.
 */
describe.each(dialects())('invocation analytics over HTTP on %s', (dialect) => {
  let s: TestServer;
  let api: Api;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    api = s.api;
    await seedOrg(api);
    expect((await api('POST', '/api/pods', { body: { pod_id: 'pod-b', name: 'Pod B', team_id: 'platform', lead_id: 'lead' } })).status).toBe(201);
    const agents = [
      agentBody('an-1', { cost_budget_daily: 10 }),
      agentBody('an-2'),
      agentBody('an-3', { pod_id: 'pod-b' }),
      agentBody('an-4', { team_id: 'research', pod_id: undefined, cost_budget_daily: 1 }),
    ];
    for (const a of agents) expect((await api('POST', '/api/agents', { body: a })).status).toBe(201);
    const h = HOUR + 10 * MIN;
    const batch = [
      done('e-1', 'an-1', 30 * MIN, 500, true, { complexity_score: 5 }),
      done('e-2', 'an-1', 31 * MIN, 500, true, { complexity_score: 5 }),
      done('h-1', 'an-1', h, 1000, true, { complexity_score: 2, cost_usd: 2, tokens_used: 100, cpu_usage_percent: 10, memory_usage_mb: 100, peak_memory_mb: 150 }),
      done('h-2', 'an-1', h + 1, 1000, true, { complexity_score: 4, cost_usd: 2, tokens_used: 100, cpu_usage_percent: 30, memory_usage_mb: 200, peak_memory_mb: 250 }),
      done('h-3', 'an-1', h + 2, 1000, true, { complexity_score: 6, cost_usd: 2, tokens_used: 100 }),
      done('h-4', 'an-1', h + 3, 3000, false, { complexity_score: 8, cost_usd: 2, tokens_used: 100, error_details: 'timeout' }),
      done('h-5', 'an-2', h, 200, true),
      done('h-6', 'an-2', h + 1, 200, true),
      done('h-7', 'an-3', h, 100, true),
      done('h-8', 'an-4', h, 1000, false, { cost_usd: 5 }),
    ];
    const r = await api('POST', '/api/invocations/batch', { body: { invocations: batch } });
    expect(r.body).toEqual({ accepted: batch.length, duplicates: 0, rejected: [] });
    const open = await api('POST', '/api/invocations', { body: { agent_id: 'an-1', task_description: 'look around', started_at: at(h + 4) } });
    expect(open.status).toBe(201);
    const asg = await api('POST', '/api/assignments', { body: { agent_id: 'an-2', workstream_id: 'ws', role_on_task: 'owner', contract: { scope: 'ship it', definition_of_done: ['merged'] } } });
    (s.clock as ManualClock).setTo(T0 + 2 * HOUR);
    expect((await api('PATCH', `/api/assignments/${asg.body.assignment_id}`, { body: { status: 'done' } })).status).toBe(200);
  });
  afterAll(async () => s?.close());

  it('gives an agent its trailing-hour figures with an hourly calendar series', async () => {
    const r = await api('GET', '/api/agents/an-1/metrics?period=hourly&buckets=3');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      agent_id: 'an-1',
      period: 'hourly',
      window_start: at(HOUR),
      window_end: at(2 * HOUR),
      total_invocations: 5,
      completed_invocations: 4,
      succeeded: 3,
      failed: 1,
      abandoned: 0,
      open: 1,
      success_rate: 0.75,
      avg_execution_time_ms: 1500,
      avg_complexity_handled: 5,
      efficiency_score: 0.5,
      tokens_used: 400,
      cost_usd: 8,
      avg_cpu_usage_percent: 20,
      avg_memory_usage_mb: 150,
      peak_memory_mb: 250,
    });
    expect(r.body.series.map((b: { bucket_start: string; total_invocations: number }) => [b.bucket_start, b.total_invocations])).toEqual([
      [at(0), 2],
      [at(HOUR), 5],
      [at(2 * HOUR), 0],
    ]);
  });

  it('widens to the trailing day and week, and the roster metrics agree', async () => {
    const d = await api('GET', '/api/agents/an-1/metrics?period=daily');
    expect(d.body).toMatchObject({ total_invocations: 7, completed_invocations: 6, succeeded: 5, success_rate: 0.8333, avg_execution_time_ms: 1166.67, efficiency_score: 0.7143 });
    expect(d.body.series).toHaveLength(14);
    expect(d.body.series.at(-1)).toMatchObject({ bucket_start: '2026-01-05T00:00:00.000Z', total_invocations: 7 });
    const w = await api('GET', '/api/agents/an-1/metrics?period=weekly');
    expect(w.body.series).toHaveLength(8);
    expect(w.body.series.at(-1).bucket_start).toBe('2026-01-05T00:00:00.000Z');
    const def = await api('GET', '/api/agents/an-1/metrics');
    expect(def.body.period).toBe('daily');
    const agent = await api('GET', '/api/agents/an-1');
    expect(agent.body.metrics).toEqual({ total_tasks: 6, successful_tasks: 5, failed_tasks: 1, avg_response_time_ms: 1166.67 });
    expect((await api('GET', '/api/agents/ghost/metrics')).status).toBe(404);
    expect((await api('GET', '/api/agents/an-1/metrics?period=monthly')).status).toBe(400);
  });

  it('ranks top performing agents by efficiency, with a minimum of completed invocations', async () => {
    const top = await api('GET', '/api/analytics/agents/top?min_invocations=2');
    expect(top.status).toBe(200);
    expect(top.body.period).toBe('weekly');
    expect(top.body.items.map((a: { agent_id: string; rank: number }) => [a.rank, a.agent_id])).toEqual([
      [1, 'an-2'],
      [2, 'an-1'],
    ]);
    expect(top.body.items[0]).toMatchObject({ agent_name: 'an-2', team_id: 'platform', pod_id: 'pod-a', efficiency_score: 5, success_rate: 1 });
    const all = await api('GET', '/api/analytics/agents/top?limit=10');
    expect(all.body.items.map((a: { agent_id: string }) => a.agent_id)).toEqual(['an-3', 'an-2', 'an-1', 'an-4']);
    const team = await api('GET', '/api/analytics/agents/top?limit=10&team_id=research');
    expect(team.body.items.map((a: { agent_id: string }) => a.agent_id)).toEqual(['an-4']);
    const pod = await api('GET', '/api/analytics/agents/top?limit=1&pod_id=pod-a&team_id=platform');
    expect(pod.body.items.map((a: { agent_id: string }) => a.agent_id)).toEqual(['an-2']);
  });

  it("gives a pod its figures, top agents, throughput trend and cost burn against budgets", async () => {
    const r = await api('GET', '/api/analytics/pods/pod-a?days=3');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ scope: 'pod', scope_id: 'pod-a', agents: 2, period: 'daily', total_invocations: 9, succeeded: 7, failed: 1, open: 1 });
    expect(r.body.top_agents.map((a: { agent_id: string }) => a.agent_id)).toEqual(['an-2', 'an-1']);
    expect(r.body.throughput).toEqual([
      { day: '2026-01-03', completed: 0 },
      { day: '2026-01-04', completed: 0 },
      { day: '2026-01-05', completed: 1 },
    ]);
    expect(r.body.cost).toMatchObject({
      since: '2026-01-05T00:00:00.000Z',
      spent_today_usd: 8,
      budget_daily_usd: 10,
      burn_ratio: 0.8,
      day_elapsed: 0.4583,
      agents_over_budget: 0,
    });
    expect(r.body.cost.by_agent).toEqual([
      { agent_id: 'an-1', spent_today_usd: 8, budget_daily_usd: 10, burn_ratio: 0.8 },
    ]);
    expect(r.body.series).toHaveLength(14);
  });

  it('gives a team and the whole workspace the same view, and 404s for what does not exist', async () => {
    const platform = await api('GET', '/api/analytics/teams/platform?period=hourly');
    expect(platform.body).toMatchObject({ scope: 'team', agents: 3, total_invocations: 8, completed_invocations: 7 });
    const research = await api('GET', '/api/analytics/teams/research');
    expect(research.body).toMatchObject({ agents: 1, total_invocations: 1, failed: 1, success_rate: 0, efficiency_score: 0 });
    expect(research.body.cost).toMatchObject({ spent_today_usd: 5, budget_daily_usd: 1, burn_ratio: 5, agents_over_budget: 1 });
    const ws = await api('GET', '/api/analytics/workspace');
    expect(ws.body).toMatchObject({ scope: 'workspace', scope_id: 'default', agents: 4, total_invocations: 11 });
    expect(ws.body.cost).toMatchObject({ spent_today_usd: 13, agents_over_budget: 1 });
    expect((await api('GET', '/api/analytics/pods/nope')).status).toBe(404);
    expect((await api('GET', '/api/analytics/teams/nope')).status).toBe(404);
    const summary = await api('GET', '/api/fleet/summary');
    expect(summary.body.cost).toMatchObject({ spent_today_usd: 13, agents_over_budget: 1 });
  });
});
