import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, dialects, makeApi, seedOrg, startTestServer, type Api, type TestServer } from '../test-support/harness.js';

/** Routes that no other suite exercised through HTTP: reads and removals next to their writes. */
describe.each(dialects())('reads and removals over HTTP on %s', (dialect) => {
  let s: TestServer;
  let api: Api;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    api = s.api;
    await seedOrg(api);
  });
  afterAll(async () => s?.close());

  it('lists pods by team, a page at a time, with their agent counts', async () => {
    for (const [pod_id, team_id] of [
      ['pod-b', 'data'],
      ['pod-c', 'data'],
      ['pod-d', 'data'],
    ]) {
      expect((await api('POST', '/api/pods', { body: { pod_id, name: pod_id, team_id, lead_id: 'lead' } })).status).toBe(201);
    }
    await api('POST', '/api/agents', { body: agentBody('pod-agent', { team_id: 'data', pod_id: 'pod-c' }) });
    const first = await api('GET', '/api/pods?team_id=data&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items.map((p: { pod_id: string }) => p.pod_id)).toEqual(['pod-b', 'pod-c']);
    expect(first.body.items[1]).toMatchObject({ team_id: 'data', lead_id: 'lead', agent_count: 1 });
    const rest = await api('GET', `/api/pods?team_id=data&limit=2&cursor=${first.body.next_cursor}`);
    expect(rest.body).toEqual({ items: [expect.objectContaining({ pod_id: 'pod-d', agent_count: 0 })], next_cursor: null });
    expect((await api('GET', '/api/pods')).body.items.map((p: { pod_id: string }) => p.pod_id)).toContain('pod-a');
  });

  it('reads one session, for its own agent key but not another agent', async () => {
    await api('POST', '/api/agents', { body: agentBody('sess-a') });
    await api('POST', '/api/agents', { body: agentBody('sess-b') });
    const created = await api('POST', '/api/agents/sess-a/sessions', { body: { session_key: 'sk-read', channel: 'slack' } });
    expect(created.status).toBe(201);
    const id = created.body.session_id as string;
    const r = await api('GET', `/api/sessions/${id}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(created.body);
    const own = makeApi(s.url, (await api('POST', '/api/keys', { body: { role: 'agent', agent_id: 'sess-a', label: 'a' } })).body.key);
    const other = makeApi(s.url, (await api('POST', '/api/keys', { body: { role: 'agent', agent_id: 'sess-b', label: 'b' } })).body.key);
    expect((await own('GET', `/api/sessions/${id}`)).status).toBe(200);
    expect((await other('GET', `/api/sessions/${id}`)).status).toBe(403);
    expect((await api('GET', '/api/sessions/no-such-session')).status).toBe(404);
  });

  it('lists webhooks without their secrets, for admins only, and deactivates one', async () => {
    const secret = 'webhook-secret-never-shown';
    const a = await api('POST', '/api/webhooks', { body: { url: 'http://127.0.0.1:9/a', events: ['alert.opened'], secret } });
    const b = await api('POST', '/api/webhooks', { body: { url: 'https://example.com/b', events: ['*'], secret } });
    expect([a.status, b.status]).toEqual([201, 201]);
    const list = await api('GET', '/api/webhooks');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ webhook_id: a.body.webhook_id, url: 'http://127.0.0.1:9/a', events: ['alert.opened'], active: true }),
      expect.objectContaining({ webhook_id: b.body.webhook_id, url: 'https://example.com/b', events: ['*'], active: true }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const operator = makeApi(s.url, (await api('POST', '/api/keys', { body: { role: 'operator', label: 'ops' } })).body.key);
    expect((await operator('GET', '/api/webhooks')).status).toBe(403);
    expect((await api('DELETE', `/api/webhooks/${a.body.webhook_id}`)).status).toBe(204);
    const after = await api('GET', '/api/webhooks');
    expect(after.body.items.find((w: { webhook_id: string }) => w.webhook_id === a.body.webhook_id).active).toBe(false);
    expect((await api('GET', `/api/webhooks/${a.body.webhook_id}/deliveries`)).status).toBe(200);
  });

  it('lists silences, and ending one takes it off the active list', async () => {
    await api('POST', '/api/agents', { body: agentBody('quiet-1') });
    const created = await api('POST', '/api/silences', { body: { matchers: { agent_id: 'quiet-1' }, ends_at: '2026-01-05T12:00:00Z', comment: 'maintenance' } });
    expect(created.status).toBe(201);
    const id = created.body.silence_id as string;
    expect(created.body).toMatchObject({ active: true, starts_at: '2026-01-05T09:00:00.000Z', ends_at: '2026-01-05T12:00:00.000Z', created_by: 'root' });
    const active = await api('GET', '/api/silences?active=true');
    expect(active.status).toBe(200);
    expect(active.body.items.map((x: { silence_id: string }) => x.silence_id)).toContain(id);
    const viewer = makeApi(s.url, (await api('POST', '/api/keys', { body: { role: 'viewer', label: 'v' } })).body.key);
    expect((await viewer('DELETE', `/api/silences/${id}`)).status).toBe(403);
    expect((await api('DELETE', `/api/silences/${id}`)).status).toBe(204);
    expect((await api('GET', '/api/silences?active=true')).body.items.map((x: { silence_id: string }) => x.silence_id)).not.toContain(id);
    const all = await api('GET', '/api/silences');
    expect(all.body.items.find((x: { silence_id: string }) => x.silence_id === id)).toMatchObject({ active: false, ends_at: '2026-01-05T09:00:00.000Z' });
    expect((await api('DELETE', '/api/silences/no-such-silence')).status).toBe(404);
  });

  it('lists the skill registry a page at a time, with how many agents hold each skill', async () => {
    for (const skill_id of ['sk-deploy', 'sk-review']) {
      const r = await api('POST', '/api/skills', { body: { skill_id, name: skill_id, version: '1.0', owner_id: 'owner' } });
      expect(r.status).toBe(201);
    }
    await api('POST', '/api/agents', { body: agentBody('skilled-1') });
    expect((await api('PUT', '/api/agents/skilled-1/skills/sk-deploy', { body: { status: 'validated', evidence: 'benchmark run 7' } })).status).toBeLessThan(300);
    const first = await api('GET', '/api/skills?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([expect.objectContaining({ skill_id: 'sk-deploy', holders: 1 })]);
    const rest = await api('GET', `/api/skills?limit=1&cursor=${first.body.next_cursor}`);
    expect(rest.body).toEqual({ items: [expect.objectContaining({ skill_id: 'sk-review', holders: 0 })], next_cursor: null });
    const viewer = makeApi(s.url, (await api('POST', '/api/keys', { body: { role: 'viewer', label: 'skills reader' } })).body.key);
    expect((await viewer('GET', '/api/skills')).body.items).toHaveLength(2);
  });

  it('reports hygiene on demand: agents whose owner left, and the blockers of the week', async () => {
    await api('POST', '/api/members', { body: { member_id: 'leaver', name: 'Lee Leaver', kind: 'human' } });
    await api('POST', '/api/agents', { body: agentBody('orphan-1', { owner_id: 'leaver' }) });
    expect((await api('POST', '/api/agents/orphan-1/transitions', { body: { to: 'ready', reason: 'on duty' } })).status).toBe(200);
    const a = await api('POST', '/api/assignments', { body: { agent_id: 'orphan-1', workstream_id: 'hyg', role_on_task: 'owner', contract: { scope: 's', definition_of_done: ['d'] } } });
    expect(a.status).toBe(201);
    await api('PATCH', `/api/assignments/${a.body.assignment_id}`, { body: { status: 'blocked', blocker_code: 'policy' } });
    const before = await api('GET', '/api/hygiene/report');
    expect(before.status).toBe(200);
    expect(before.body.owners_to_revalidate.map((x: { agent_id: string }) => x.agent_id)).not.toContain('orphan-1');
    expect(before.body.top_blocker_codes).toContainEqual({ blocker_code: 'policy', count: 1 });
    expect((await api('PATCH', '/api/members/leaver', { body: { status: 'left' } })).status).toBe(200);
    const after = await api('GET', '/api/hygiene/report');
    expect(after.body.generated_at).toBe('2026-01-05T09:00:00.000Z');
    expect(after.body.owners_to_revalidate).toContainEqual(expect.objectContaining({ agent_id: 'orphan-1', agent_name: 'orphan-1' }));
  });

  it('reads the liveness settings: the contract cadences by default, then what an admin set', async () => {
    const viewer = makeApi(s.url, (await api('POST', '/api/keys', { body: { role: 'viewer', label: 'settings reader' } })).body.key);
    const r = await viewer('GET', '/api/settings/liveness');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ cadence_s: { P0: 60, P1: 180, P2: 600 } });
    expect(r.body.grace_fraction).toBeLessThanOrEqual(0.25);
    expect((await api('PATCH', '/api/settings/liveness', { body: { cadence_s: { P1: 120 } } })).status).toBe(200);
    expect((await viewer('GET', '/api/settings/liveness')).body.cadence_s).toEqual({ P0: 60, P1: 120, P2: 600 });
    // Another workspace keeps its own settings.
    const ws = await api('POST', '/api/workspaces', { body: { name: 'Settings elsewhere' } });
    const other = makeApi(s.url, ws.body.admin_key);
    expect((await other('GET', '/api/settings/liveness')).body.cadence_s).toEqual({ P0: 60, P1: 180, P2: 600 });
  });
});
