import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, dialects, seedOrg, startTestServer, type Api, type TestServer } from '../test-support/harness.js';

const S = 1000;
const MIN = 60 * S;

describe.each(dialects())('liveness on the manual clock (%s)', (dialect) => {
  let s: TestServer;
  let api: Api;
  let n = 0;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    api = s.api;
    await seedOrg(api);
    // Agents of earlier cases stay silent; keep the fleet breaker out of these per-agent cases.
    expect((await api('PATCH', '/api/settings/liveness', { body: { fleet_outage_min_agents: 100_000 } })).status).toBe(200);
  });
  afterAll(async () => s?.close());

  const advance = async (ms: number) => {
    const r = await api('POST', '/api/clock/advance', { body: { ms } });
    expect(r.status).toBe(200);
  };
  const beat = async (id: string, body: Record<string, unknown> = {}) => {
    const r = await api('POST', `/api/agents/${id}/heartbeat`, { body: { status: 'ok', work_mode: 'executing', ...body } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
  };
  const agent = async (id: string) => (await api('GET', `/api/agents/${id}`)).body;
  const alerts = async (id: string, status?: string) =>
    (await api('GET', `/api/alerts?agent_id=${id}${status ? `&status=${status}` : ''}`)).body.items as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** A fresh agent, moved to `to` along legal transitions, in its own team so breaker counts stay small. */
  const mk = async (tier: 'P0' | 'P1' | 'P2', to: string[] = ['ready', 'assigned', 'executing'], extra: Record<string, unknown> = {}) => {
    const id = `lv-${dialect}-${++n}`;
    const r = await api('POST', '/api/agents', { body: agentBody(id, { priority_tier: tier, ...extra }) });
    expect(r.status).toBe(201);
    for (const step of to) expect((await api('POST', `/api/agents/${id}/transitions`, { body: { to: step, reason: 'test' } })).status).toBe(200);
    return id;
  };

  it('is not monitored before ready and healthy once monitored', async () => {
    const id = await mk('P0', []);
    expect((await agent(id)).health).toBe('not_monitored');
    await api('POST', `/api/agents/${id}/transitions`, { body: { to: 'ready', reason: 'go' } });
    expect((await agent(id)).health).toBe('healthy');
  });

  it('walks misses: at_risk after one interval + grace, breach at two, critical at three (P0 60 s)', async () => {
    const id = await mk('P0');
    await beat(id);
    await advance(60 * S + 14 * S); // within 25 % grace
    expect((await agent(id)).health).toBe('healthy');
    await advance(2 * S); // 76 s
    expect((await agent(id)).health).toBe('at_risk');
    await advance(60 * S); // 136 s
    const a = await agent(id);
    expect(a.health).toBe('breach');
    // executing at breach → degraded, by the system, audited.
    expect(a.current_state).toBe('degraded');
    const trail = (await api('GET', `/api/agents/${id}/transitions?order=desc&limit=1`)).body.items[0];
    expect(trail).toMatchObject({ from: 'executing', to: 'degraded', actor: 'system' });
    const open = await alerts(id, 'open');
    expect(open.map((x) => x.kind)).toContain('heartbeat_breach');
    await advance(60 * S); // 196 s
    expect((await agent(id)).health).toBe('critical');
    // one alert per condition, however long it persists
    await advance(60 * S);
    expect((await alerts(id)).filter((x) => x.kind === 'heartbeat_breach')).toHaveLength(1);
    // the agent comes back: the breach alert resolves itself, and says so on the live stream
    const live: Array<{ type: string; agent_id?: string; data?: unknown }> = [];
    const off = s.app.svc.bus.on((e) => live.push(e));
    await beat(id);
    const back = await agent(id);
    expect(back.health).toBe('healthy');
    const hb = (await alerts(id)).find((x) => x.kind === 'heartbeat_breach')!;
    expect(hb.status).toBe('resolved');
    expect(hb.resolved_by).toBe('system');
    off();
    expect(live).toContainEqual({ workspace_id: 'default', type: 'alert.resolved', agent_id: id, data: { alert_id: hb.alert_id } });
  });

  it('uses the tier cadence: P1 180 s, P2 600 s', async () => {
    const p1 = await mk('P1');
    const p2 = await mk('P2');
    await beat(p1);
    await beat(p2);
    await advance(180 * S + 44 * S);
    expect((await agent(p1)).health).toBe('healthy');
    await advance(2 * S);
    expect((await agent(p1)).health).toBe('at_risk');
    expect((await agent(p2)).health).toBe('healthy');
    await advance(600 * S + 150 * S - 226 * S + S);
    expect((await agent(p2)).health).toBe('at_risk');
  });

  it('reads status: degraded → at_risk, offline → breach with agent_offline, error budget → at_risk + error_trend_rising (P2, batched)', async () => {
    const id = await mk('P1');
    await beat(id, { status: 'degraded', queue_depth: 7, latency_p95_ms: 900, token_burn_1h: 12000 });
    expect(await agent(id)).toMatchObject({ health: 'at_risk', queue_depth: 7, latency_p95_ms: 900, token_burn_1h: 12000, last_status: 'degraded' });
    await beat(id, { status: 'offline' });
    let a = await agent(id);
    expect(a.health).toBe('breach');
    expect((await alerts(id, 'open')).map((x) => x.kind)).toContain('agent_offline');
    await beat(id, { status: 'ok', error_count_1h: 50 });
    a = await agent(id);
    expect(a.health).toBe('at_risk');
    const list = await alerts(id);
    expect(list.find((x) => x.kind === 'agent_offline')!.status).toBe('resolved');
    const trend = list.find((x) => x.kind === 'error_trend_rising')!;
    expect(trend).toMatchObject({ status: 'open', severity: 'P2', notified: [] });
    await beat(id, { status: 'ok', error_count_1h: 0 });
    expect((await agent(id)).health).toBe('healthy');
  });

  it('escalates blocked agents after the tier limit and raises p0_assignment_blocked; breach while blocked too long', async () => {
    const id = await mk('P0');
    await api('POST', `/api/agents/${id}/transitions`, { body: { to: 'blocked', reason: 'waiting on API key' } });
    for (let t = 0; t < 14; t++) {
      await advance(MIN);
      await beat(id, { status: 'blocked', work_mode: 'waiting' });
    }
    expect((await agent(id)).current_state).toBe('blocked');
    await advance(MIN);
    await beat(id, { status: 'blocked', work_mode: 'waiting' });
    const a = await agent(id);
    expect(a.current_state).toBe('escalated');
    expect(a.health).toBe('breach');
    const t = (await api('GET', `/api/agents/${id}/transitions?order=desc&limit=1`)).body.items[0];
    expect(t).toMatchObject({ from: 'blocked', to: 'escalated', actor: 'system' });
    expect(t.reason).toContain('15 min');
    expect((await alerts(id, 'open')).map((x) => x.kind)).toContain('p0_assignment_blocked');
    await api('POST', `/api/agents/${id}/transitions`, { body: { to: 'executing', reason: 'unblocked' } });
    await beat(id);
    expect((await agent(id)).health).toBe('healthy');
    expect((await alerts(id)).find((x) => x.kind === 'p0_assignment_blocked')!.status).toBe('resolved');
  });

  it('raises degraded_timeout with a reassignment recommendation when degraded past the limit', async () => {
    const id = await mk('P1');
    await api('POST', `/api/agents/${id}/transitions`, { body: { to: 'degraded', reason: 'slow tools' } });
    for (let t = 0; t < 29; t++) {
      await advance(MIN);
      await beat(id, { status: 'degraded' });
    }
    expect((await alerts(id)).find((x) => x.kind === 'degraded_timeout')).toBeUndefined();
    await advance(MIN);
    const al = (await alerts(id, 'open')).find((x) => x.kind === 'degraded_timeout')!;
    expect(al.details.recommendation).toBe('reassign');
    expect(al.summary).toContain('reassign');
  });

  it('pages level 0 at once and climbs to the workforce manager after 10 min unacknowledged', async () => {
    const id = await mk('P0', undefined, { secondary_owner_id: 'mgr' });
    await beat(id);
    await advance(136 * S);
    const al = (await alerts(id, 'open')).find((x) => x.kind === 'heartbeat_breach')!;
    expect(al.escalation_level).toBe(0);
    expect(al.notified.map((r: { member_id: string; level: number }) => `${r.member_id}@${r.level}`)).toEqual(['owner@0', 'mgr@0', 'lead@0']);
    // Opened when the second miss fell due (135 s); the manager hears of it at 135 s + 10 min.
    expect(al.opened_at).toBe(new Date(Date.parse((await api('GET', '/api/clock')).body.now) - S).toISOString());
    await advance(10 * MIN - 2 * S);
    expect((await api('GET', `/api/alerts/${al.alert_id}`)).body.escalation_level).toBe(0);
    await advance(S);
    const up = (await api('GET', `/api/alerts/${al.alert_id}`)).body;
    expect(up.escalation_level).toBe(1);
    expect(up.notified.at(-1)).toMatchObject({ member_id: 'mgr', level: 1, role: 'workforce_manager' });
    await advance(60 * MIN);
    expect((await api('GET', `/api/alerts/${al.alert_id}`)).body.escalation_level).toBe(1);
  });

  it('stops escalation on acknowledgement', async () => {
    const id = await mk('P0');
    await beat(id);
    await advance(136 * S);
    const al = (await alerts(id, 'open')).find((x) => x.kind === 'heartbeat_breach')!;
    const ack = await api('POST', `/api/alerts/${al.alert_id}/ack`, { body: { note: 'looking' } });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledged_by: 'root', next_escalation_at: null });
    await advance(30 * MIN);
    expect((await api('GET', `/api/alerts/${al.alert_id}`)).body.escalation_level).toBe(0);
    const res = await api('POST', `/api/alerts/${al.alert_id}/resolve`, {});
    expect(res.body.status).toBe('resolved');
    expect((await api('POST', `/api/alerts/${al.alert_id}/ack`, {})).status).toBe(409);
  });

  it('keeps a flip history of every state and health change', async () => {
    const id = await mk('P0');
    await beat(id);
    await advance(76 * S);
    const ev = (await api('GET', `/api/agents/${id}/events`)).body.items as Array<{ type: string; from: string; to: string }>;
    expect(ev[0]).toMatchObject({ type: 'agent.health_changed', from: 'healthy', to: 'at_risk' });
    expect(ev.some((e) => e.type === 'agent.state_changed' && e.to === 'executing')).toBe(true);
  });

  it('honours silences and pages when they end if the condition persists', async () => {
    const id = await mk('P0');
    await beat(id);
    const now = Date.parse((await api('GET', '/api/clock')).body.now);
    const sil = await api('POST', '/api/silences', { body: { matchers: { agent_id: id }, ends_at: new Date(now + 5 * MIN).toISOString(), comment: 'deploy' } });
    expect(sil.status).toBe(201);
    expect(sil.body.active).toBe(true);
    await advance(4 * MIN);
    expect((await agent(id)).health).toBe('critical');
    expect(await alerts(id)).toHaveLength(0);
    await advance(1 * MIN);
    expect((await alerts(id, 'open')).map((x) => x.kind)).toContain('heartbeat_breach');
  });

  it('batches P2 alerts into one digest per interval', async () => {
    const a = await mk('P2');
    const b = await mk('P2');
    await beat(a, { error_count_1h: 99 });
    await beat(b, { error_count_1h: 99 });
    const before = (await alerts(a)).find((x) => x.kind === 'error_trend_rising')!;
    expect(before.severity).toBe('P2');
    const hook = await api('POST', '/api/webhooks', { body: { url: 'http://127.0.0.1:9/none', events: ['alert.digest'], secret: 'digest-secret-123456' } });
    expect(hook.status).toBe(201);
    await advance(60 * MIN);
    const d = await api('GET', `/api/webhooks/${hook.body.webhook_id}/deliveries`);
    const digests = d.body.items.filter((x: { event_type: string }) => x.event_type === 'alert.digest');
    expect(digests).toHaveLength(1);
    const ids = digests[0].body.alerts.map((x: { agent_id: string }) => x.agent_id);
    expect(ids).toEqual(expect.arrayContaining([a, b]));
    await api('DELETE', `/api/webhooks/${hook.body.webhook_id}`);
  });

  it('configures cadence per workspace and validates settings', async () => {
    const bad = await api('PATCH', '/api/settings/liveness', { body: { grace_fraction: 0.5 } });
    expect(bad.status).toBe(400);
    const ok = await api('PATCH', '/api/settings/liveness', { body: { cadence_s: { P2: 300 } } });
    expect(ok.body.cadence_s).toEqual({ P0: 60, P1: 180, P2: 300 });
    const id = await mk('P2');
    await beat(id);
    await advance(300 * S + 76 * S);
    expect((await agent(id)).health).toBe('at_risk');
    await api('PATCH', '/api/settings/liveness', { body: { cadence_s: { P2: 600 } } });
  });
});
