import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, dialects, makeApi, seedOrg, startTestServer, T0, type Api, type TestServer } from '../../test-support/harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(dialects())('governance over HTTP (%s)', (dialect) => {
  let s: TestServer;
  let api: Api;
  const keyFor = async (member_id: string, role = 'operator') => makeApi(s.url, (await api('POST', '/api/keys', { body: { role, member_id, label: `${member_id} key` } })).body.key);
  const now = async () => Date.parse((await api('GET', '/api/clock')).body.now);
  const advance = (ms: number) => api('POST', '/api/clock/advance', { body: { ms } });
  const spend = (agent_id: string, cost_usd: number, at: number, n = 0) =>
    api('POST', '/api/invocations/batch', {
      body: { invocations: [{ invocation_id: `spend-${agent_id}-${at}-${n}`, agent_id, task_description: 'work', started_at: new Date(at).toISOString(), success: true, execution_time_ms: 10, cost_usd }] },
    });

  beforeAll(async () => {
    s = await startTestServer(dialect);
    api = s.api;
    await seedOrg(api);
    await api('POST', '/api/members', { body: { member_id: 'stranger', name: 'Sam Stranger', kind: 'human' } });
    await api('POST', '/api/pods', { body: { pod_id: 'pod-b', name: 'Pod B', team_id: 'growth', lead_id: 'mgr' } });
    await api('PATCH', '/api/settings/liveness', { body: { fleet_outage_min_agents: 100_000 } });
  });
  afterAll(async () => s?.close());

  it('computes the escalation path from the org graph and warns about pod size', async () => {
    await api('POST', '/api/agents', { body: agentBody('g-path', { secondary_owner_id: 'stranger' }) });
    const p = await api('GET', '/api/agents/g-path/escalation-path');
    expect(p.body.path).toEqual([
      { level: 0, member_id: 'owner', name: 'Olive Owner', role: 'owner' },
      { level: 0, member_id: 'stranger', name: 'Sam Stranger', role: 'secondary_owner' },
      { level: 0, member_id: 'lead', name: 'Lee Lead', role: 'pod_lead' },
      { level: 1, member_id: 'mgr', name: 'Morgan Manager', role: 'workforce_manager' },
    ]);
    const podB = (await api('GET', '/api/pods/pod-b')).body;
    expect(podB.size_warning).toContain('below');
    // The warning follows the workspace's own range, on both the pod and the pod list.
    expect((await api('PATCH', '/api/settings/governance', { body: { pod_size_min: Math.max(1, podB.agent_count), pod_size_max: 7 } })).status).toBe(200);
    const expected = podB.agent_count === 0 ? expect.stringContaining('below the 1–7') : null;
    expect((await api('GET', '/api/pods/pod-b')).body.size_warning).toEqual(expected);
    expect((await api('GET', '/api/pods?limit=100')).body.items.find((p: { pod_id: string }) => p.pod_id === 'pod-b').size_warning).toEqual(expected);
    expect((await api('PATCH', '/api/settings/governance', { body: { pod_size_min: 3, pod_size_max: 7 } })).status).toBe(200);
  });

  it('requires a task contract for P0/P1 work, and a DRI for cross-pod work', async () => {
    await api('POST', '/api/agents', { body: agentBody('g-p1', { priority_tier: 'P1' }) });
    await api('POST', '/api/agents', { body: agentBody('g-p2', { priority_tier: 'P2' }) });
    const noContract = await api('POST', '/api/assignments', { body: { agent_id: 'g-p1', workstream_id: 'w', role_on_task: 'owner' } });
    expect(noContract.status).toBe(400);
    expect(noContract.body.error.details[0].path).toBe('body.contract');
    expect((await api('POST', '/api/assignments', { body: { agent_id: 'g-p2', workstream_id: 'w', role_on_task: 'owner' } })).status).toBe(201);
    const cross = await api('POST', '/api/assignments', { body: { agent_id: 'g-p2', workstream_id: 'w', role_on_task: 'owner', pod_id: 'pod-b' } });
    expect(cross.status).toBe(400);
    expect(cross.body.error.details[0].path).toBe('body.dri_id');
    const withDri = await api('POST', '/api/assignments', { body: { agent_id: 'g-p2', workstream_id: 'w', role_on_task: 'owner', pod_id: 'pod-b', dri_id: 'mgr' } });
    expect(withDri.status).toBe(201);
    expect(withDri.body).toMatchObject({ pod_id: 'pod-b', dri_id: 'mgr' });
    expect((await api('POST', '/api/assignments', { body: { agent_id: 'g-p2', workstream_id: 'w', role_on_task: 'owner', pod_id: 'pod-b', dri_id: 'ghost' } })).status).toBe(422);
  });

  it('routes skill-gated work only to agents holding the skill validated, and recertifies on schedule', async () => {
    const sk = await api('POST', '/api/skills', {
      body: { skill_id: 'sql-review', name: 'SQL review', version: '1.2', owner_id: 'lead', allowed_tools: ['psql'], failure_modes: ['misses N+1'], recertify_every_days: 30 },
    });
    expect(sk.status).toBe(201);
    expect(sk.body).toMatchObject({ skill_id: 'sql-review', holders: 0, security_profile: 'medium' });
    await api('POST', '/api/skills', { body: { skill_id: 'triage', name: 'Triage', version: '1', owner_id: 'lead' } });
    await api('POST', '/api/agents', { body: agentBody('g-skill', { priority_tier: 'P2' }) });
    const body = { agent_id: 'g-skill', workstream_id: 'w', role_on_task: 'owner', required_skills: ['sql-review'] };
    const refused = await api('POST', '/api/assignments', { body });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain("'sql-review'");
    expect(refused.body.error.details.skill_id).toBe('sql-review');
    const pending = await api('PUT', '/api/agents/g-skill/skills/sql-review', { body: { status: 'pending' } });
    expect(pending.body.usable).toBe(false);
    expect((await api('POST', '/api/assignments', { body })).status).toBe(422);
    const granted = await api('PUT', '/api/agents/g-skill/skills/sql-review', { body: { status: 'validated', evidence: 'passed 50 scenarios' } });
    expect(granted.body).toMatchObject({ status: 'validated', usable: true, expires_at: new Date((await now()) + 30 * DAY).toISOString() });
    expect((await api('POST', '/api/assignments', { body })).status).toBe(201);
    await api('PUT', '/api/agents/g-skill/skills/triage', { body: { status: 'validated' } });
    expect((await api('GET', '/api/multi-skill-agents')).body.items).toContainEqual({ agent_id: 'g-skill', agent_name: 'g-skill', skills: ['sql-review', 'triage'] });
    expect((await api('GET', '/api/skills/sql-review')).body.holders).toBe(1);

    await advance(30 * DAY);
    const held = (await api('GET', '/api/agents/g-skill/skills')).body.items;
    expect(held.find((h: { skill_id: string }) => h.skill_id === 'sql-review')).toMatchObject({ status: 'expired', usable: false });
    const recert = (await api('GET', '/api/alerts?agent_id=g-skill&kind=skill_recertification_due')).body.items;
    expect(recert.map((a: { status: string; severity: string; dedup_key: string }) => `${a.status}/${a.severity}/${a.dedup_key}`)).toEqual(['open/P2/skill_recertification_due:g-skill:sql-review']);
    expect((await api('POST', '/api/assignments', { body })).status).toBe(422);
    await api('PUT', '/api/agents/g-skill/skills/sql-review', { body: { status: 'validated' } });
    const after = (await api('GET', '/api/alerts?agent_id=g-skill&kind=skill_recertification_due')).body.items;
    expect(after.filter((a: { status: string }) => a.status === 'resolved')).toHaveLength(1);
  });

  it('enforces RACI for keys bound to members, names the rule, and audits the member', async () => {
    await api('POST', '/api/agents', { body: agentBody('g-raci', { priority_tier: 'P2', secondary_owner_id: 'stranger' }) });
    await api('POST', '/api/agents', { body: agentBody('g-raci-2', { priority_tier: 'P2' }) });
    const owner = await keyFor('owner');
    const lead = await keyFor('lead');
    const mgr = await keyFor('mgr');
    const stranger = await keyFor('stranger');
    const self = await keyFor('g-raci');
    // lifecycle: owner R, pod lead R, manager A; the agent itself is only Informed.
    const denied = await self('POST', '/api/agents/g-raci/transitions', { body: { to: 'ready', reason: 'me' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain('RACI lifecycle_transitions');
    expect(denied.body.error.details).toMatchObject({ activity: 'lifecycle_transitions', roles: ['specialist_agent'], letters: ['I'] });
    expect((await owner('POST', '/api/agents/g-raci/transitions', { body: { to: 'ready', reason: 'owner says go' } })).status).toBe(200);
    expect((await lead('POST', '/api/agents/g-raci/transitions', { body: { to: 'paused', reason: 'lead pauses' } })).status).toBe(200);
    expect((await mgr('POST', '/api/agents/g-raci/transitions', { body: { to: 'ready', reason: 'manager resumes' } })).status).toBe(200);
    // Owning one agent gives nothing over another: 'stranger' is secondary owner of g-raci only.
    expect((await stranger('POST', '/api/agents/g-raci-2/transitions', { body: { to: 'ready', reason: 'x' } })).status).toBe(403);
    // Budget control: the owner is R, the pod lead only C.
    expect((await lead('PATCH', '/api/agents/g-raci', { body: { cost_budget_daily: 5 } })).status).toBe(403);
    expect((await owner('PATCH', '/api/agents/g-raci', { body: { cost_budget_daily: 5 } })).status).toBe(200);
    // Task assignment and retirement.
    expect((await self('POST', '/api/assignments', { body: { agent_id: 'g-raci', workstream_id: 'w', role_on_task: 'owner' } })).status).toBe(403);
    expect((await lead('POST', '/api/assignments', { body: { agent_id: 'g-raci', workstream_id: 'w', role_on_task: 'owner' } })).status).toBe(201);
    expect((await self('POST', '/api/agents/g-raci/fire', { body: { reason: 'dumb' } })).status).toBe(403);
    // The audit trail names the member who acted.
    const trail = (await api('GET', '/api/agents/g-raci/transitions')).body.items.map((t: { actor: string; to: string }) => `${t.actor}:${t.to}`);
    expect(trail).toEqual(['root:registered', 'owner:ready', 'lead:paused', 'mgr:ready']);
    // Consulted and Informed parties receive the event.
    const ev = (await api('GET', '/api/agents/g-raci/events?limit=100')).body.items.filter((e: { type: string }) => e.type === 'raci.activity');
    expect(ev.length).toBeGreaterThan(0);
    const hook = await api('POST', '/api/webhooks', { body: { url: 'http://127.0.0.1:9/x', events: ['raci.activity'], secret: 'raci-secret-0123456789' } });
    await owner('POST', '/api/agents/g-raci/transitions', { body: { to: 'assigned', reason: 'work' } });
    await advance(1000);
    const del = (await api('GET', `/api/webhooks/${hook.body.webhook_id}/deliveries`)).body.items;
    const last = del.find((x: { body: { reason: string } }) => x.body.reason.includes('assigned'));
    expect(last.body).toMatchObject({ event: 'raci.activity', activity: 'lifecycle_transitions', actor: 'owner', informed: ['g-raci'] });
    await api('DELETE', `/api/webhooks/${hook.body.webhook_id}`);
    // The matrix is editable: make the agent Responsible for its own lifecycle.
    const raci = (await api('GET', '/api/raci')).body;
    raci.lifecycle_transitions.specialist_agent = 'R';
    expect((await api('PUT', '/api/raci', { body: raci })).status).toBe(200);
    expect((await self('POST', '/api/agents/g-raci/transitions', { body: { to: 'executing', reason: 'me' } })).status).toBe(200);
    expect((await api('PUT', '/api/raci', { body: { ...raci, retirement: { workforce_manager: 'Z' } } })).status).toBe(400);
    expect((await owner('PUT', '/api/raci', { body: raci })).status).toBe(403);
  });

  it('warns at 90 % of a daily budget and, with the hard stop on, pauses the agent at 100 % saying why', async () => {
    await api('POST', '/api/agents', { body: agentBody('g-budget', { priority_tier: 'P2', cost_budget_daily: 10 }) });
    for (const to of ['ready', 'assigned', 'executing']) await api('POST', '/api/agents/g-budget/transitions', { body: { to, reason: 'work' } });
    expect((await api('PATCH', '/api/settings/governance', { body: { budget_hard_stop: true } })).body.budget_hard_stop).toBe(true);
    const t = await now();
    await spend('g-budget', 9.2, t);
    await advance(60_000);
    let open = (await api('GET', '/api/alerts?agent_id=g-budget&status=open')).body.items.map((a: { kind: string }) => a.kind);
    expect(open).toEqual(['budget_warning']);
    expect((await api('GET', '/api/agents/g-budget')).body.current_state).toBe('executing');
    await spend('g-budget', 1.0, t + 60_000);
    await advance(60_000);
    open = (await api('GET', '/api/alerts?agent_id=g-budget&status=open')).body.items.map((a: { kind: string }) => a.kind);
    expect(open).toEqual(['budget_exhausted']);
    const a = (await api('GET', '/api/agents/g-budget')).body;
    expect(a.current_state).toBe('paused');
    const last = (await api('GET', '/api/agents/g-budget/transitions?order=desc&limit=1')).body.items[0];
    expect(last).toMatchObject({ from: 'executing', to: 'paused', actor: 'system' });
    expect(last.reason).toContain('budget hard stop: $10.20 spent of a $10.00 daily budget');
    // A new day, a new budget: the conditions clear.
    await advance(DAY);
    expect((await api('GET', '/api/alerts?agent_id=g-budget&status=open')).body.items).toEqual([]);
    await api('PATCH', '/api/settings/governance', { body: { budget_hard_stop: false } });
  });

  it('applies pod quotas and flags cost burn that departs from its trend', async () => {
    await api('POST', '/api/agents', { body: agentBody('g-burn', { priority_tier: 'P2', pod_id: 'pod-b', team_id: 'growth' }) });
    const q = await api('PUT', '/api/budgets/pod/pod-b', { body: { daily_usd: 20 } });
    expect(q.status).toBe(200);
    expect((await api('PUT', '/api/budgets/pod/ghost', { body: { daily_usd: 20 } })).status).toBe(404);
    const t = await now();
    // A steady week of $1 a day…
    for (let d = 1; d <= 7; d++) await spend('g-burn', 1, t - d * DAY, d);
    // …then $19 in one hour.
    await spend('g-burn', 19, t - 60_000);
    await advance(60_000);
    const open = (await api('GET', '/api/alerts?status=open&limit=100')).body.items as Array<{ kind: string; agent_id: string | null; dedup_key: string }>;
    expect(open.find((a) => a.kind === 'cost_burn_anomaly' && a.agent_id === 'g-burn')).toBeTruthy();
    expect(open.find((a) => a.dedup_key === 'budget_warning:pod:pod-b')).toBeTruthy();
    const b = (await api('GET', '/api/budgets')).body.items.find((x: { scope_id: string }) => x.scope_id === 'pod-b');
    expect(b).toMatchObject({ scope: 'pod', daily_usd: 20, spent_today_usd: 19 });
    // Retiring the spender does not give the money back: the quota and its alert still count it.
    const fired = await api('POST', '/api/agents/g-burn/fire', { body: { reason: 'derailed', context: 'burned the budget' } });
    expect(fired.status, JSON.stringify(fired.body)).toBe(200);
    await advance(60_000);
    const after = (await api('GET', '/api/budgets')).body.items.find((x: { scope_id: string }) => x.scope_id === 'pod-b');
    expect(after).toMatchObject({ spent_today_usd: 19 });
    const stillOpen = (await api('GET', '/api/alerts?status=open&limit=100')).body.items as Array<{ dedup_key: string }>;
    expect(stillOpen.find((a) => a.dedup_key === 'budget_warning:pod:pod-b')).toBeTruthy();
  });

  it('runs the hygiene routine: ownerless, retired-but-assigned, stale paused, top blockers', async () => {
    await api('POST', '/api/members', { body: { member_id: 'leaver', name: 'Lou Leaver', kind: 'human' } });
    await api('POST', '/api/agents', { body: agentBody('g-orphan', { priority_tier: 'P2', owner_id: 'leaver' }) });
    await api('PATCH', '/api/members/leaver', { body: { status: 'left' } });
    await api('POST', '/api/agents', { body: agentBody('g-retired', { priority_tier: 'P2' }) });
    await api('POST', '/api/agents/g-retired/transitions', { body: { to: 'ready', reason: 'go' } });
    const as = await api('POST', '/api/assignments', { body: { agent_id: 'g-retired', workstream_id: 'w', role_on_task: 'owner' } });
    await api('PATCH', `/api/assignments/${as.body.assignment_id}`, { body: { status: 'blocked', blocker_code: 'policy' } });
    await api('POST', '/api/agents/g-retired/transitions', { body: { to: 'retired', reason: 'done' } });
    await api('POST', '/api/agents', { body: agentBody('g-paused', { priority_tier: 'P2' }) });
    for (const to of ['ready', 'paused']) await api('POST', '/api/agents/g-paused/transitions', { body: { to, reason: 'x' } });
    await advance(8 * DAY);
    const r = (await api('POST', '/api/hygiene/run')).body;
    expect(r.ownerless_active.map((x: { agent_id: string }) => x.agent_id)).toContain('g-orphan');
    expect(r.owners_to_revalidate.find((x: { agent_id: string }) => x.agent_id === 'g-orphan').detail).toContain('has left');
    expect(r.retired_but_assigned.map((x: { agent_id: string }) => x.agent_id)).toEqual(['g-retired']);
    expect(r.stale_paused.map((x: { agent_id: string }) => x.agent_id)).toContain('g-paused');
    expect(r.top_blocker_codes.length).toBeLessThanOrEqual(5);
    const kinds = (await api('GET', '/api/alerts?status=open&limit=1000')).body.items.map((a: { kind: string; agent_id: string }) => `${a.kind}:${a.agent_id}`);
    expect(kinds).toContain('ownerless_agent:g-orphan');
    expect(kinds).toContain('lifecycle_hygiene:g-retired');
    expect(kinds).toContain('lifecycle_hygiene:g-paused');
    // Fixing the owner clears the P1.
    await api('PATCH', '/api/agents/g-orphan', { body: { owner_id: 'owner' } });
    await api('POST', '/api/hygiene/run');
    const ownerless = (await api('GET', '/api/alerts?agent_id=g-orphan&kind=ownerless_agent')).body.items[0];
    expect(ownerless.status).toBe('resolved');
    expect((await api('GET', '/api/settings/governance')).body).toMatchObject({ pod_size_min: 3, pod_size_max: 7, contract_required_tiers: ['P0', 'P1'], budget_warn_fraction: 0.9 });
    expect((await api('PATCH', '/api/settings/governance', { body: { pod_size_min: 9 } })).status).toBe(400);
  });
});

void T0;
