// The dashboard in a real browser against a real server on a seeded fleet. One dialect is
// enough here: the API's storage is covered by the server's own suites, this covers the screen.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/src/test-support/harness.js';
import { launchBrowser } from './support/browser.js';
import { ensureBuilt } from './support/build.js';
import { client, type Call } from './support/client.js';
import { seedFleet } from './support/seed.js';

let s: TestServer;
let call: Call;
let browser: Browser;
let keys: { viewer: string; operator: string };

/** The page catches up with the API within a few seconds, even on a busy machine. */
const eventually = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 8000, interval: 100 });

const int = (text: string | null): number => Number((text ?? '').replace(/[^0-9.-]/g, ''));

const pages: Page[] = [];

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  // Fail with the locator's name well before the test's own timeout.
  page.setDefaultTimeout(10_000);
  pages.push(page);
  return page;
}

async function signIn(key: string, hash = ''): Promise<Page> {
  const page = await newPage();
  await page.goto(`${s.url}/${hash}`);
  await page.fill('input[name=key]', key);
  await page.click('button[type=submit]');
  await page.getByTestId('role').waitFor();
  return page;
}

beforeAll(async () => {
  await ensureBuilt();
  s = await startTestServer('sqlite');
  call = client(s.url, s.rootKey);
  await seedFleet(call);
  keys = {
    viewer: (await call('POST', '/api/keys', { role: 'viewer', label: 'viewer' })).key,
    operator: (await call('POST', '/api/keys', { role: 'operator', label: 'operator', member_id: 'ben' })).key,
  };
  browser = await launchBrowser();
}, 120_000);

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close().catch(() => undefined);
});

afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe('the dashboard', () => {
  it('refuses an unknown key, signs in with a good one and shows who is signed in', async () => {
    const page = await newPage();
    await page.goto(s.url);
    await page.fill('input[name=key]', 'ab_not_a_key');
    await page.click('button[type=submit]');
    await eventually(() => page.getByRole('alert').textContent()).toContain('unknown or revoked');
    await page.fill('input[name=key]', keys.viewer);
    await page.click('button[type=submit]');
    expect(await page.getByTestId('role').textContent()).toBe('viewer');
    expect(await page.getByTestId('workspace-name').textContent()).toBe('Default');
    // Remembered for the tab: a reload stays signed in; signing out forgets the key.
    await page.reload();
    await page.getByTestId('executive').waitFor();
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in').waitFor();
  });

  it('shows on the executive view exactly the numbers the API returns', async () => {
    const page = await signIn(keys.viewer);
    await page.getByTestId('executive').waitFor();
    const sum = await call('GET', '/api/fleet/summary');
    const text = (id: string) => page.getByTestId(id).textContent();
    expect(int(await text('kpi-total-agents'))).toBe(sum.total_agents);
    expect(int(await text('kpi-open-alerts'))).toBe(sum.open_alerts);
    for (const h of ['healthy', 'at_risk', 'breach', 'critical', 'not_monitored']) expect(int(await text(`health-${h}`)), h).toBe(sum.health[h]);
    for (const [state, n] of Object.entries(sum.agents_by_state)) expect(int(await text(`state-${state}`)), state).toBe(n);
    for (const b of sum.top_blockers) expect(int(await text(`blocker-${b.blocker_code}`)), b.blocker_code).toBe(b.count);
    expect(int(await text('kpi-completed-today'))).toBe(sum.throughput.at(-1).completed);
    expect(int(await text('cost-spent'))).toBeCloseTo(sum.cost.spent_today_usd, 2);
    expect(int(await text('cost-budget'))).toBeCloseTo(sum.cost.budget_daily_usd, 2);
    // The seeded fleet has something in every SLA bucket, so none of these is a vacuous zero.
    expect(sum.health.healthy * sum.health.critical * sum.open_alerts * sum.top_blockers.length).toBeGreaterThan(0);
    // Charts are drawn by the charting library: states, throughput, workload, blockers.
    for (const w of ['agents-by-state', 'throughput', 'workload', 'blockers']) await page.locator(`[data-testid=${w}] .recharts-surface`).first().waitFor();
  });

  it('shows the pod lead view: roster with heartbeat age and queue depth, blocked work, gaps', async () => {
    const page = await signIn(keys.viewer, '#/pods/pod-build');
    await page.locator('[data-testid=pods][data-pod-id=pod-build]').waitFor();
    const text = (id: string) => page.getByTestId(id).textContent();
    const agents = (await call('GET', '/api/agents?pod_id=pod-build&limit=100')).items;
    expect(await page.getByTestId('pod-agent-row').count()).toBe(agents.length);
    for (const a of agents) {
      const row = page.locator(`[data-testid=pod-agent-row][data-agent-id="${a.agent_id}"]`);
      const depth = await row.getByTestId('queue-depth').textContent();
      expect(depth, a.agent_id).toBe(a.queue_depth == null ? '—' : String(a.queue_depth));
      expect(await row.getByTestId('heartbeat-age').textContent()).toMatch(a.last_seen_at ? /ago$/ : /never/);
    }
    // The seeded pod reports queues, so the column is not a row of dashes.
    expect(agents.some((a: { queue_depth: number | null }) => (a.queue_depth ?? 0) > 0)).toBe(true);
    // The head figures are the API's: the pod's agent count, its blocked work, its open alerts.
    expect(int(await text('pod-agents'))).toBe((await call('GET', '/api/pods/pod-build')).agent_count);
    const blocked = (await call('GET', '/api/assignments?status=blocked&pod_id=pod-build&limit=1000')).items;
    expect(blocked.length).toBeGreaterThan(0);
    expect(await page.getByTestId('blocked-row').count()).toBe(blocked.length);
    expect(int(await text('pod-blocked'))).toBe(blocked.length);
    expect(int(await text('pod-open-alerts'))).toBe((await call('GET', '/api/alerts?status=open&pod_id=pod-build&limit=1000')).items.length);
    // build-bot-5 is owned by someone who left and has no secondary owner.
    expect(await page.getByTestId('ownership-gaps').textContent()).toContain('build-bot-5');
  });

  it('lists agents in a virtualized list that filters on the server', async () => {
    const page = await signIn(keys.viewer, '#/agents');
    await page.getByTestId('agent-row').first().waitFor();
    const sum = await call('GET', '/api/fleet/summary');
    expect(await page.getByTestId('agents-count').textContent()).toBe(`${sum.total_agents} of ${sum.total_agents} shown`);
    await page.getByTestId('filter-health').selectOption('critical');
    await eventually(() => page.getByTestId('agents-count').textContent()).toBe(`${sum.health.critical} of ${sum.health.critical} shown`);
    const critical = (await call('GET', '/api/agents?health=critical')).items.map((a: { agent_id: string }) => a.agent_id);
    expect(await page.getByTestId('agent-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-agent-id')))).toEqual(critical);
    await page.getByTestId('agent-row').first().click();
    await page.getByTestId('agent-detail').waitFor();
    expect(page.url()).toContain(`#/agents/${critical[0]}`);
  });

  it('diagnoses one agent: timeline, assignment contract, summaries, performance, sessions; a viewer gets no actions', async () => {
    const page = await signIn(keys.viewer, '#/agents/build-bot-1');
    await page.getByTestId('timeline-heartbeat').first().waitFor();
    const beats = (await call('GET', '/api/agents/build-bot-1/heartbeats?limit=20')).items;
    expect(await page.getByTestId('summary').allTextContents()).toEqual(beats.filter((h: { summary: string | null }) => h.summary).map((h: { summary: string }) => h.summary));
    expect(int(await page.getByTestId('perf-latency').textContent())).toBe(beats[0].latency_p95_ms);
    expect(int(await page.getByTestId('perf-errors').textContent())).toBe(beats[0].error_count_1h);
    expect(int(await page.getByTestId('perf-tokens').textContent())).toBe(beats[0].token_burn_1h);
    expect(await page.getByTestId('timeline-state').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('session-row').count()).toBe((await call('GET', '/api/agents/build-bot-1/sessions')).items.length);
    expect(await page.getByTestId('agent-actions').count()).toBe(0);
    await page.goto(`${s.url}/#/agents/build-bot-2`);
    await page.getByTestId('contract').waitFor();
    expect(await page.getByTestId('contract').textContent()).toContain('Migrate the orders table');
  });

  it('shows a change live, without reloading', async () => {
    const page = await signIn(keys.viewer);
    await page.locator('[data-testid=live-status][data-status=live]').waitFor();
    const before = int(await page.getByTestId('kpi-total-agents').textContent());
    await call('POST', '/api/agents', { agent_id: 'late-joiner', agent_name: 'late-joiner', agent_type: 'subagent', capability_tags: ['qa'], model_profile: 'fast', owner_id: 'olive', team_id: 'support', pod_id: 'pod-support', priority_tier: 'P2', risk_level: 'low' });
    await eventually(async () => int(await page.getByTestId('kpi-total-agents').textContent())).toBe(before + 1);

    await page.goto(`${s.url}/#/agents/support-06`);
    await page.getByTestId('summary').first().waitFor();
    await call('POST', '/api/agents/support-06/heartbeat', { status: 'ok', work_mode: 'executing', summary: 'Live: escalating ticket 4711 to a human' });
    await eventually(() => page.getByTestId('summary').first().textContent()).toBe('Live: escalating ticket 4711 to a human');
  });

  it('fires an agent with a reason chosen from the five', async () => {
    const page = await signIn(keys.operator, '#/agents/build-bot-6');
    await page.getByTestId('action-fire').click();
    const reasons = await page.locator('input[name=fire-reason]').evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    expect(reasons).toEqual(['derailed', 'obstinate', 'dumb', 'unresponsive', 'corrupted']);
    expect(await page.getByTestId('fire-confirm').isDisabled()).toBe(true);
    await page.locator('input[name=fire-reason][value=obstinate]').check();
    await page.getByTestId('fire-context').fill('Ignored the scope of the billing refactor twice');
    await page.getByTestId('fire-confirm').click();
    await eventually(() => page.locator('[data-testid=agent-detail] .profile [data-state]').getAttribute('data-state')).toBe('retired');
    expect(await page.getByTestId('fire-reason').first().textContent()).toBe('obstinate');
    const a = await call('GET', '/api/agents/build-bot-6');
    expect(a.current_state).toBe('retired');
    expect(a.fire_history.at(-1)).toMatchObject({ reason: 'obstinate', context: 'Ignored the scope of the billing refactor twice', actor: 'ben' });
  });

  it("hands an agent's open work to another in one step per assignment, within the caller's RACI rights", async () => {
    const open = async (agent: string) =>
      ((await call('GET', `/api/assignments?agent_id=${agent}&limit=1000`)).items as Array<{ assignment_id: string; status: string; task_id: string | null }>).filter((x) => x.status === 'active' || x.status === 'blocked');
    const reassign = async (from: string, to: string) => {
      const page = await signIn(keys.operator, `#/agents/${from}`);
      await page.getByTestId('action-reassign').click();
      await page.getByTestId('reassign-target').fill(to);
      await page.getByTestId('reassign-confirm').click();
      return page;
    };
    // Ben leads pod-build and has no role over pod-ops agents: the refusal is shown, nothing moves.
    const opsBefore = await open('ops-deploy-2');
    expect(opsBefore.length).toBeGreaterThan(0);
    const refused = await reassign('ops-deploy-2', 'ops-deploy-1');
    await eventually(() => refused.locator('[data-testid=reassign-dialog] .note.error').textContent()).toContain('RACI task_assignment');
    expect(await open('ops-deploy-2')).toEqual(opsBefore);

    const mine = await open('build-bot-4');
    expect(mine.length).toBeGreaterThan(0);
    const theirs = (await open('build-bot-2')).length;
    await reassign('build-bot-4', 'build-bot-2');
    await eventually(async () => (await open('build-bot-4')).length).toBe(0);
    const now = await open('build-bot-2');
    expect(now).toHaveLength(theirs + mine.length);
    for (const m of mine) {
      expect((await call('GET', `/api/assignments/${m.assignment_id}`)).status).toBe('handoff');
      expect(now.some((x) => x.task_id === m.task_id)).toBe(true);
    }
  });

  it('acknowledges and resolves alerts from the alerts view, with escalation level visible', async () => {
    const page = await signIn(keys.operator, '#/alerts');
    await page.getByTestId('alert-row').first().waitFor();
    const open = (await call('GET', '/api/alerts?status=open&limit=1000')).items;
    expect(await page.getByTestId('alert-row').count()).toBe(open.length);
    const target = open[0];
    const row = page.locator(`[data-testid=alert-row][data-alert-id="${target.alert_id}"]`);
    expect(await row.getByTestId('alert-level').textContent()).toBe(`L${target.escalation_level}`);
    await row.getByTestId('alert-ack').click();
    const acked = async () => (await call('GET', '/api/alerts?status=acknowledged&limit=1000')).items.find((x: { alert_id: string }) => x.alert_id === target.alert_id);
    await eventually(acked).toMatchObject({ status: 'acknowledged', acknowledged_by: 'ben' });
    // It moves from the open tab to the acknowledged one.
    await page.getByTestId('alert-status-tabs').getByText('acknowledged').click();
    const ackedRow = page.locator(`[data-testid=alert-row][data-alert-id="${target.alert_id}"][data-status=acknowledged]`);
    await ackedRow.getByTestId('alert-resolve').click();
    await eventually(async () => (await call('GET', `/api/alerts?status=resolved&limit=1000`)).items.some((x: { alert_id: string }) => x.alert_id === target.alert_id)).toBe(true);
    await page.getByTestId('alert-status-tabs').getByText('resolved').click();
    await page.locator(`[data-testid=alert-row][data-alert-id="${target.alert_id}"][data-status=resolved]`).waitFor();
    await page.getByTestId('alert-status-tabs').getByText('open').click();

    await page.getByTestId('filter-severity').selectOption('P1');
    await eventually(async () => (await page.getByTestId('alert-row').evaluateAll((r) => r.length))).toBe(
      (await call('GET', '/api/alerts?status=open&severity=P1&limit=1000')).items.length,
    );
  });

  it('keeps a long roster fast: pages from the server as you scroll, renders only the rows in view', async () => {
    const before = (await call('GET', '/api/fleet/summary')).total_agents;
    const ids = Array.from({ length: 600 }, (_, i) => `bulk-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < ids.length; i += 20) {
      await Promise.all(ids.slice(i, i + 20).map((id) => call('POST', '/api/agents', { agent_id: id, agent_name: id, agent_type: 'subagent', capability_tags: ['qa'], model_profile: 'fast', owner_id: 'olive', team_id: 'bulk', priority_tier: 'P2', risk_level: 'low' })));
    }
    const total = before + ids.length;
    const page = await signIn(keys.viewer, '#/agents');
    await page.getByTestId('agent-row').first().waitFor();
    await eventually(() => page.getByTestId('agents-count').textContent()).toBe(`200 of ${total} shown`);
    expect(await page.getByTestId('agent-row').count()).toBeLessThan(60);
    const list = page.getByTestId('agents-list');
    for (let i = 0; i < 12; i++) {
      await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await page.waitForTimeout(150);
    }
    await eventually(() => page.getByTestId('agents-count').textContent()).toBe(`${total} of ${total} shown`);
    expect(await page.getByTestId('agent-row').count()).toBeLessThan(60);
    expect(await page.locator('[data-testid=agent-row]').last().getAttribute('data-agent-id')).toBe(
      (await call('GET', '/api/agents?limit=1000')).items.at(-1).agent_id,
    );
  });
});
