import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, dialects, makeApi, seedOrg, startTestServer, type Api, type TestServer } from '../test-support/harness.js';

describe.each(dialects())('an agent asks for a person (POST /api/agents/:id/escalate) on %s', (dialect) => {
  let s: TestServer;
  let api: Api;
  let own: Api;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    api = s.api;
    await seedOrg(api);
    await api('POST', '/api/agents', { body: agentBody('esc-agent') });
    for (const to of ['ready', 'assigned', 'executing']) await api('POST', '/api/agents/esc-agent/transitions', { body: { to, reason: 'seed' } });
    own = makeApi(s.url, (await api('POST', '/api/keys', { body: { role: 'agent', agent_id: 'esc-agent', label: 'self' } })).body.key);
  });
  afterAll(async () => s?.close());

  it('moves an executing agent through blocked to escalated, with itself as the actor, and records why', async () => {
    const r = await own('POST', '/api/agents/esc-agent/escalate', { body: { reason: 'the deploy needs a human approval' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ agent_id: 'esc-agent', current_state: 'escalated', last_status: 'blocked', last_work_mode: 'escalated' });
    const moves = (await api('GET', '/api/agents/esc-agent/transitions?order=desc&limit=2')).body.items;
    expect(moves).toEqual([
      expect.objectContaining({ from: 'blocked', to: 'escalated', actor: 'esc-agent', reason: 'escalation requested: the deploy needs a human approval' }),
      expect.objectContaining({ from: 'executing', to: 'blocked', actor: 'esc-agent' }),
    ]);
    const beat = (await api('GET', '/api/agents/esc-agent/heartbeats?limit=1')).body.items[0];
    expect(beat).toMatchObject({ status: 'blocked', work_mode: 'escalated', summary: 'the deploy needs a human approval' });
    const events = (await api('GET', '/api/agents/esc-agent/events?limit=10')).body.items as Array<{ type: string; reason: string }>;
    expect(events.some((e) => e.type === 'agent.escalation_requested' && e.reason === 'the deploy needs a human approval')).toBe(true);

    // Asking again changes no state.
    const again = await own('POST', '/api/agents/esc-agent/escalate', { body: { reason: 'still waiting' } });
    expect(again.status).toBe(200);
    expect(again.body.current_state).toBe('escalated');
    expect((await api('GET', '/api/agents/esc-agent/transitions?order=desc&limit=1')).body.items[0].reason).toMatch(/human approval/);
  });

  it('records the request without a move where the lifecycle has none, and refuses the wrong callers', async () => {
    await api('POST', '/api/agents', { body: agentBody('esc-new') });
    const r = await api('POST', '/api/agents/esc-new/escalate', { body: { reason: 'cannot start without credentials' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ current_state: 'registered', last_status: 'blocked', last_summary: 'cannot start without credentials' });

    expect((await own('POST', '/api/agents/esc-new/escalate', { body: { reason: 'not mine' } })).status).toBe(403);
    const viewer = makeApi(s.url, (await api('POST', '/api/keys', { body: { role: 'viewer', label: 'v' } })).body.key);
    expect((await viewer('POST', '/api/agents/esc-new/escalate', { body: { reason: 'x' } })).status).toBe(403);
    expect((await api('POST', '/api/agents/nobody/escalate', { body: { reason: 'x' } })).status).toBe(404);
    expect((await api('POST', '/api/agents/esc-new/escalate', { body: { reason: '' } })).status).toBe(400);
    // A member escalating someone else's agent moves its lifecycle: RACI applies, as for /transitions.
    await api('POST', '/api/members', { body: { member_id: 'esc-stranger', name: 'Sam Stranger', kind: 'human' } });
    const memberKey = async (member_id: string) => makeApi(s.url, (await api('POST', '/api/keys', { body: { role: 'operator', member_id, label: member_id } })).body.key);
    const stranger = await memberKey('esc-stranger');
    const denied = await stranger('POST', '/api/agents/esc-new/escalate', { body: { reason: 'not my agent' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.details).toMatchObject({ activity: 'lifecycle_transitions' });
    const before = (await api('GET', '/api/agents/esc-new/heartbeats?limit=1')).body.items[0];
    expect(before.summary).toBe('cannot start without credentials');
    expect((await (await memberKey('owner'))('POST', '/api/agents/esc-new/escalate', { body: { reason: 'the owner asks for help' } })).status).toBe(200);
    const raci = (await api('GET', '/api/agents/esc-new/events?limit=50')).body.items.filter((e: { type: string }) => e.type === 'raci.activity');
    expect(raci.some((e: { reason: string }) => e.reason === 'escalated: the owner asks for help')).toBe(true);
    await api('POST', '/api/agents/esc-new/fire', { body: { reason: 'dumb' } });
    expect((await api('POST', '/api/agents/esc-new/escalate', { body: { reason: 'too late' } })).status).toBe(409);
  });
});
