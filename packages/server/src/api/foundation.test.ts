import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGAL_TRANSITIONS, type AgentState } from '@aetherboard/contracts';
import { agentBody, dialects, makeApi, seedOrg, startTestServer, type Api, type ApiResponse, type TestServer } from '../test-support/harness.js';

describe.each(dialects())('foundation over HTTP on %s', (dialect) => {
  let s: TestServer;
  let api: Api;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    api = s.api;
    await seedOrg(api);
  });
  afterAll(async () => s?.close());

  it('answers /healthz without a key and refuses /api without one', async () => {
    expect((await api('GET', '/healthz', { key: null })).status).toBe(200);
    const r = await api('GET', '/api/agents', { key: null });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('unauthorized');
    expect((await api('GET', '/api/agents', { key: 'ab_nonsense' })).status).toBe(401);
  });

  it('registers an agent with every roster field and returns it', async () => {
    const r = await api('POST', '/api/agents', {
      body: agentBody('reg-1', { secondary_owner_id: 'lead', role: 'developer', model: 'gpt-x', cost_budget_daily: 12.5, notes: 'hello' }),
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      agent_id: 'reg-1',
      current_state: 'registered',
      health: 'not_monitored',
      fired_count: 0,
      fire_history: [],
      terminated_at: null,
      secondary_owner_id: 'lead',
      pod_id: 'pod-a',
      cost_budget_daily: 12.5,
      metrics: { total_tasks: 0, successful_tasks: 0, failed_tasks: 0, avg_response_time_ms: 0 },
      error_count: 0,
      last_error: null,
      last_seen_at: null,
    });
    expect(r.body.created_at).toBe('2026-01-05T09:00:00.000Z');
    const g = await api('GET', '/api/agents/reg-1');
    expect(g.status).toBe(200);
    expect(g.body).toEqual(r.body);
  });

  it('makes a ULID when the client gives no agent_id, and an agent is a member that can own others', async () => {
    const r = await api('POST', '/api/agents', { body: { ...agentBody('x'), agent_id: undefined } });
    expect(r.status).toBe(201);
    expect(r.body.agent_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    const m = await api('GET', `/api/members/${r.body.agent_id}`);
    expect(m.body.kind).toBe('agent');
    const child = await api('POST', '/api/agents', { body: agentBody('child-1', { owner_id: r.body.agent_id }) });
    expect(child.status).toBe(201);
  });

  it('answers 422 for an owner, secondary owner or pod that does not exist, and stores nothing', async () => {
    for (const [field, value] of [
      ['owner_id', 'ghost'],
      ['secondary_owner_id', 'ghost'],
      ['pod_id', 'ghost-pod'],
    ] as const) {
      const r = await api('POST', '/api/agents', { body: agentBody(`bad-${field}`, { [field]: value }) });
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('unknown_reference');
      expect((await api('GET', `/api/agents/bad-${field}`)).status).toBe(404);
    }
  });

  it('refuses a duplicate agent_id with 409', async () => {
    const r = await api('POST', '/api/agents', { body: agentBody('reg-1') });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('conflict');
  });

  it('allows exactly the legal lifecycle moves and audits each', async () => {
    const states = Object.keys(LEGAL_TRANSITIONS) as AgentState[];
    // Walk every (from, to) pair: reach `from` by a legal path, then try `to`.
    const pathTo: Record<AgentState, AgentState[]> = {
      registered: [],
      ready: ['ready'],
      assigned: ['ready', 'assigned'],
      executing: ['ready', 'assigned', 'executing'],
      blocked: ['ready', 'assigned', 'executing', 'blocked'],
      escalated: ['ready', 'assigned', 'executing', 'blocked', 'escalated'],
      degraded: ['ready', 'assigned', 'executing', 'degraded'],
      paused: ['ready', 'paused'],
      retired: ['ready', 'retired'],
      archived: ['ready', 'retired', 'archived'],
    };
    let n = 0;
    for (const from of states) {
      for (const to of states) {
        const id = `lc-${n++}`;
        expect((await api('POST', '/api/agents', { body: agentBody(id) })).status).toBe(201);
        for (const step of pathTo[from]) {
          const r = await api('POST', `/api/agents/${id}/transitions`, { body: { to: step, reason: 'setup' } });
          expect(r.status, `${id} setup ${step}`).toBe(200);
        }
        const r = await api('POST', `/api/agents/${id}/transitions`, { body: { to, reason: 'the move under test' } });
        const legal = LEGAL_TRANSITIONS[from].includes(to);
        expect(r.status, `${from} -> ${to}`).toBe(legal ? 200 : 409);
        if (legal) expect(r.body.current_state).toBe(to);
        else {
          expect(r.body.error.code).toBe('illegal_transition');
          expect((await api('GET', `/api/agents/${id}`)).body.current_state).toBe(from);
        }
      }
    }
  }, 120_000);

  it('records who, what, when and why for every change', async () => {
    await api('POST', '/api/agents', { body: agentBody('audit-1') });
    await api('POST', '/api/agents/audit-1/transitions', { body: { to: 'ready', reason: 'configured' } });
    await api('POST', '/api/agents/audit-1/transitions', { body: { to: 'assigned', reason: 'took ticket 7' } });
    const t = await api('GET', '/api/agents/audit-1/transitions');
    expect(t.status).toBe(200);
    expect(t.body.items.map((i: { from: string; to: string }) => `${i.from}>${i.to}`)).toEqual(['registered>registered', 'registered>ready', 'ready>assigned']);
    expect(t.body.items[2]).toMatchObject({ actor: 'root', reason: 'took ticket 7', at: '2026-01-05T09:00:00.000Z' });
  });

  it('fires an agent: retires it, hands off its work, keeps the history', async () => {
    await api('POST', '/api/agents', { body: agentBody('fire-1', { priority_tier: 'P2' }) });
    for (const to of ['ready', 'assigned', 'executing']) await api('POST', '/api/agents/fire-1/transitions', { body: { to, reason: 'setup' } });
    const a = await api('POST', '/api/assignments', { body: { agent_id: 'fire-1', workstream_id: 'ws-1', role_on_task: 'owner' } });
    expect(a.status).toBe(201);
    const f = await api('POST', '/api/agents/fire-1/fire', { body: { reason: 'derailed', context: 'rewrote the wrong repo' } });
    expect(f.status).toBe(200);
    expect(f.body).toMatchObject({ current_state: 'retired', fired_count: 1, health: 'not_monitored' });
    expect(f.body.terminated_at).toBe('2026-01-05T09:00:00.000Z');
    expect(f.body.fire_history).toEqual([
      { fired_at: '2026-01-05T09:00:00.000Z', reason: 'derailed', context: 'rewrote the wrong repo', actor: 'root', from_state: 'executing' },
    ]);
    expect((await api('GET', `/api/assignments/${a.body.assignment_id}`)).body.status).toBe('handoff');
    const again = await api('POST', '/api/agents/fire-1/fire', { body: { reason: 'dumb' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('illegal_transition');
    const trail = await api('GET', '/api/agents/fire-1/transitions?order=desc&limit=1');
    expect(trail.body.items[0]).toMatchObject({ from: 'executing', to: 'retired', actor: 'root' });
    expect(trail.body.items[0].reason).toContain('fired: derailed');
  });

  it('refuses an unknown fire reason', async () => {
    await api('POST', '/api/agents', { body: agentBody('fire-2') });
    const r = await api('POST', '/api/agents/fire-2/fire', { body: { reason: 'lazy' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation_failed');
    expect((await api('GET', '/api/agents/fire-2')).body.current_state).toBe('registered');
  });

  it('keeps archived agents read-only', async () => {
    await api('POST', '/api/agents', { body: agentBody('arch-1') });
    for (const to of ['ready', 'retired', 'archived']) await api('POST', '/api/agents/arch-1/transitions', { body: { to, reason: 'setup' } });
    const p = await api('PATCH', '/api/agents/arch-1', { body: { notes: 'x' } });
    expect(p.status).toBe(409);
    expect((await api('POST', '/api/agents/arch-1/fire', { body: { reason: 'dumb' } })).status).toBe(409);
    expect((await api('POST', '/api/agents/arch-1/sessions', { body: { session_key: 'k-arch' } })).status).toBe(409);
    expect((await api('POST', '/api/assignments', { body: { agent_id: 'arch-1', workstream_id: 'w', role_on_task: 'owner' } })).status).toBe(409);
    expect((await api('GET', '/api/agents/arch-1')).body.notes).toBeNull();
  });

  it('edits metadata but never state through PATCH', async () => {
    await api('POST', '/api/agents', { body: agentBody('patch-1') });
    const r = await api('PATCH', '/api/agents/patch-1', { body: { notes: 'on call', capability_tags: ['qa', 'ops'], secondary_owner_id: 'lead' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ notes: 'on call', capability_tags: ['qa', 'ops'], secondary_owner_id: 'lead' });
    const s = await api('PATCH', '/api/agents/patch-1', { body: { current_state: 'ready' } });
    expect(s.status).toBe(400);
    expect((await api('PATCH', '/api/agents/patch-1', { body: { owner_id: 'ghost' } })).status).toBe(422);
    expect((await api('GET', '/api/agents/patch-1')).body.owner_id).toBe('owner');
  });

  it('filters and pages the roster', async () => {
    for (let i = 0; i < 5; i++) await api('POST', '/api/agents', { body: agentBody(`page-${i}`, { team_id: 'paging', priority_tier: i % 2 ? 'P1' : 'P2' }) });
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/agents?team_id=paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const r = await api('GET', q);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      all.push(...r.body.items.map((a: { agent_id: string }) => a.agent_id));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(all).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    const p1 = await api('GET', '/api/agents?team_id=paging&priority_tier=P1');
    expect(p1.body.items.map((a: { agent_id: string }) => a.agent_id)).toEqual(['page-1', 'page-3']);
    expect((await api('GET', '/api/agents?health=not_monitored&team_id=paging')).body.items).toHaveLength(5);
    expect((await api('GET', '/api/agents?limit=1001')).status).toBe(400);
    expect((await api('GET', '/api/agents?cursor=garbage!')).status).toBe(400);
  });

  it('tracks assignments with a task contract through their statuses', async () => {
    await api('POST', '/api/agents', { body: agentBody('work-1') });
    const contract = { scope: 'Fix login', non_goals: ['redesign'], inputs: ['bug 12'], dependencies: ['auth svc'], definition_of_done: ['test passes'], evidence: ['CI link'], rollback: 'revert' };
    const a = await api('POST', '/api/assignments', { body: { agent_id: 'work-1', workstream_id: 'auth', task_id: 'T-12', role_on_task: 'owner', due_at: '2026-01-06T09:00:00Z', contract } });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ status: 'active', contract, percent_complete: 0, due_at: '2026-01-06T09:00:00.000Z' });
    const id = a.body.assignment_id;
    const b = await api('PATCH', `/api/assignments/${id}`, { body: { status: 'blocked', blocker_code: 'dependency', percent_complete: 40 } });
    expect(b.body).toMatchObject({ status: 'blocked', blocker_code: 'dependency', percent_complete: 40, blocked_at: '2026-01-05T09:00:00.000Z' });
    const sum = await api('GET', '/api/fleet/summary');
    expect(sum.body.top_blockers).toContainEqual({ blocker_code: 'dependency', count: 1 });
    // The contract asks for evidence: done waits until it is attached.
    const early = await api('PATCH', `/api/assignments/${id}`, { body: { status: 'done' } });
    expect(early.status).toBe(409);
    expect(early.body.error.details.missing_evidence).toEqual(['CI link']);
    const ev = await api('POST', `/api/assignments/${id}/evidence`, { body: { item: 'CI link', url: 'https://ci.example.com/run/1' } });
    expect(ev.status).toBe(201);
    expect(ev.body.missing_evidence).toEqual([]);
    const d = await api('PATCH', `/api/assignments/${id}`, { body: { status: 'done' } });
    expect(d.body).toMatchObject({ status: 'done', percent_complete: 100, completed_at: '2026-01-05T09:00:00.000Z' });
    expect((await api('PATCH', `/api/assignments/${id}`, { body: { status: 'active' } })).status).toBe(409);
    expect((await api('PATCH', `/api/assignments/${id}`, { body: { blocker_code: 'nope' } })).status).toBe(400);
    const list = await api('GET', '/api/assignments?agent_id=work-1');
    expect(list.body.items).toHaveLength(1);
    // By the pod or team the agent is in now.
    expect((await api('GET', '/api/assignments?pod_id=pod-a')).body.items.map((x: { assignment_id: string }) => x.assignment_id)).toContain(id);
    expect((await api('GET', '/api/assignments?team_id=platform&status=done')).body.items.map((x: { assignment_id: string }) => x.assignment_id)).toContain(id);
    expect((await api('GET', '/api/assignments?pod_id=no-such-pod')).body.items).toEqual([]);
    expect((await api('GET', '/api/assignments?team_id=platform&status=blocked')).body.items.map((x: { assignment_id: string }) => x.assignment_id)).not.toContain(id);
    expect((await api('POST', '/api/assignments', { body: { agent_id: 'nobody', workstream_id: 'w', role_on_task: 'owner' } })).status).toBe(422);
    const thr = (await api('GET', '/api/fleet/summary')).body.throughput;
    expect(thr[thr.length - 1]).toEqual({ day: '2026-01-05', completed: 1 });
  });

  it('reassigns open work to another agent in one step, keeping its contract and timeline', async () => {
    for (const id of ['re-from', 're-to', 're-gone']) await api('POST', '/api/agents', { body: agentBody(id) });
    await api('POST', '/api/agents/re-gone/fire', { body: { reason: 'dumb' } });
    const contract = { scope: 'migrate the auth tables', definition_of_done: ['tables moved'], evidence: ['migration log'] };
    const a = await api('POST', '/api/assignments', { body: { agent_id: 're-from', workstream_id: 'auth', task_id: 'T-7', role_on_task: 'owner', due_at: '2026-01-07T09:00:00Z', contract } });
    const id = a.body.assignment_id;
    await api('PATCH', `/api/assignments/${id}`, { body: { status: 'blocked', blocker_code: 'dependency' } });

    const r = await api('POST', `/api/assignments/${id}/reassign`, { body: { agent_id: 're-to', reason: 're-from is stuck' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.handed_off).toMatchObject({ assignment_id: id, agent_id: 're-from', status: 'handoff' });
    expect(r.body.assignment).toMatchObject({ agent_id: 're-to', workstream_id: 'auth', task_id: 'T-7', role_on_task: 'owner', status: 'active', contract, due_at: '2026-01-07T09:00:00.000Z', start_at: a.body.start_at });
    expect(r.body.assignment.assignment_id).not.toBe(id);
    expect((await api('GET', `/api/assignments/${id}`)).body.status).toBe('handoff');
    expect((await api('GET', '/api/assignments?agent_id=re-to')).body.items.map((x: { assignment_id: string }) => x.assignment_id)).toEqual([r.body.assignment.assignment_id]);

    // Ended work, the same agent, a retired or unknown agent: refused, and nothing changes.
    const snapshot = async () => (await api('GET', '/api/assignments?limit=1000')).body.items;
    const before = await snapshot();
    expect((await api('POST', `/api/assignments/${id}/reassign`, { body: { agent_id: 're-from' } })).status).toBe(409);
    const next = r.body.assignment.assignment_id;
    expect((await api('POST', `/api/assignments/${next}/reassign`, { body: { agent_id: 're-to' } })).status).toBe(409);
    expect((await api('POST', `/api/assignments/${next}/reassign`, { body: { agent_id: 're-gone' } })).status).toBe(409);
    expect((await api('POST', `/api/assignments/${next}/reassign`, { body: { agent_id: 'nobody' } })).status).toBe(422);
    expect((await api('POST', '/api/assignments/none/reassign', { body: { agent_id: 're-to' } })).status).toBe(404);
    expect((await api('POST', `/api/assignments/${next}/reassign`, { body: {} })).status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it('opens, lists and ends sessions', async () => {
    await api('POST', '/api/agents', { body: agentBody('sess-1') });
    const c = await api('POST', '/api/agents/sess-1/sessions', { body: { session_key: 'sk-1', channel: 'webchat', metadata: { a: 1 } } });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ agent_id: 'sess-1', is_active: true, message_count: 0, metadata: { a: 1 } });
    expect((await api('POST', '/api/agents/sess-1/sessions', { body: { session_key: 'sk-1' } })).status).toBe(409);
    const u = await api('PATCH', `/api/sessions/${c.body.session_id}`, { body: { message_count: 12, is_active: false } });
    expect(u.body).toMatchObject({ message_count: 12, is_active: false, ended_at: '2026-01-05T09:00:00.000Z' });
    const l = await api('GET', '/api/agents/sess-1/sessions');
    expect(l.body.items).toHaveLength(1);
    expect((await api('GET', '/api/agents/ghost/sessions')).status).toBe(404);
  });

  it('summarises the fleet with the same numbers as the roster', async () => {
    const sum = await api('GET', '/api/fleet/summary');
    expect(sum.status).toBe(200);
    const all: Array<{ current_state: string; health: string }> = [];
    let cursor: string | null = null;
    do {
      const r: ApiResponse = await api('GET', `/api/agents?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...r.body.items);
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(sum.body.total_agents).toBe(all.length);
    const byState: Record<string, number> = {};
    for (const a of all) byState[a.current_state] = (byState[a.current_state] ?? 0) + 1;
    expect(sum.body.agents_by_state).toEqual(byState);
    expect(Object.values(sum.body.health as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(all.length);
  });

  it('enforces roles and keeps workspaces apart', async () => {
    const viewer = await api('POST', '/api/keys', { body: { role: 'viewer', label: 'dash' } });
    expect(viewer.status).toBe(201);
    const v = makeApi(s.url, viewer.body.key);
    expect((await v('GET', '/api/agents/reg-1')).status).toBe(200);
    const denied = await v('POST', '/api/agents/reg-1/transitions', { body: { to: 'ready', reason: 'x' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');

    const op = makeApi(s.url, (await api('POST', '/api/keys', { body: { role: 'operator', label: 'ops' } })).body.key);
    expect((await op('POST', '/api/agents', { body: agentBody('op-made') })).status).toBe(201);
    expect((await op('POST', '/api/keys', { body: { role: 'viewer', label: 'nope' } })).status).toBe(403);
    expect((await op('POST', '/api/members', { body: { name: 'x', kind: 'human' } })).status).toBe(403);

    const agentKey = await api('POST', '/api/keys', { body: { role: 'agent', agent_id: 'reg-1', label: 'reg-1 key' } });
    expect(agentKey.status).toBe(201);
    const ag = makeApi(s.url, agentKey.body.key);
    expect((await ag('GET', '/api/agents/reg-1')).status).toBe(200);
    expect((await ag('GET', '/api/agents/fire-1')).status).toBe(403);
    expect((await ag('GET', '/api/agents')).status).toBe(403);
    expect((await ag('POST', '/api/agents/reg-1/sessions', { body: { session_key: 'agent-own' } })).status).toBe(201);
    expect((await ag('POST', '/api/agents/sess-1/sessions', { body: { session_key: 'agent-other' } })).status).toBe(403);
    expect((await api('POST', '/api/keys', { body: { role: 'agent', label: 'no agent' } })).status).toBe(400);
    expect((await api('POST', '/api/keys', { body: { role: 'agent', agent_id: 'ghost', label: 'x' } })).status).toBe(422);

    // Revocation is immediate.
    expect((await api('DELETE', `/api/keys/${viewer.body.key_id}`)).status).toBe(204);
    expect((await v('GET', '/api/agents/reg-1')).status).toBe(401);
    const keys = await api('GET', '/api/keys');
    expect(JSON.stringify(keys.body)).not.toContain(viewer.body.key);

    // A second workspace sees none of the first one's data, and its ids answer 404 here.
    const ws = await api('POST', '/api/workspaces', { body: { name: 'Other team' } });
    expect(ws.status).toBe(201);
    expect((await op('POST', '/api/workspaces', { body: { name: 'x' } })).status).toBe(403);
    const other = makeApi(s.url, ws.body.admin_key);
    expect((await other('GET', '/api/agents/reg-1')).status).toBe(404);
    expect((await other('GET', '/api/agents')).body.items).toEqual([]);
    expect((await other('POST', '/api/agents/reg-1/transitions', { body: { to: 'ready', reason: 'x' } })).status).toBe(404);
    expect((await other('POST', '/api/agents/reg-1/fire', { body: { reason: 'dumb' } })).status).toBe(404);
    expect((await other('DELETE', `/api/keys/${agentKey.body.key_id}`)).status).toBe(404);
    expect((await other('POST', '/api/agents', { body: agentBody('other-1') })).status).toBe(422);
    expect((await api('GET', '/api/agents/reg-1')).body.current_state).toBe('registered');
    expect((await other('GET', '/api/fleet/summary')).body.total_agents).toBe(0);
  });

  it('sets the workforce manager and manages pods', async () => {
    expect((await api('GET', '/api/org')).body.manager_id).toBe('mgr');
    expect((await api('PUT', '/api/org', { body: { manager_id: 'ghost' } })).status).toBe(422);
    const p = await api('GET', '/api/pods/pod-a');
    expect(p.body).toMatchObject({ pod_id: 'pod-a', lead_id: 'lead', team_id: 'platform' });
    expect(p.body.agent_count).toBeGreaterThan(0);
    expect((await api('PATCH', '/api/pods/pod-a', { body: { lead_id: 'ghost' } })).status).toBe(422);
    expect((await api('PATCH', '/api/pods/pod-a', { body: { name: 'Pod Alpha' } })).body.name).toBe('Pod Alpha');
    expect((await api('PATCH', '/api/members/owner', { body: { status: 'left' } })).body.status).toBe('left');
    expect((await api('GET', '/api/members?status=left')).body.items.map((m: { member_id: string }) => m.member_id)).toEqual(['owner']);
    await api('PATCH', '/api/members/owner', { body: { status: 'active' } });
  });
});
