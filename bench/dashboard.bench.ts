/**
 * The executive view with a large fleet: 10,000 agents and a day of heartbeats stored, loaded
 * cold in a real browser. Figures are medians of several runs, each in a fresh browser context
 * (empty cache, already signed in), measured from navigation start:
 *   - baseline_ms: a blank page (a tiny static file) from the same server: the browser's floor;
 *   - executive_ready_ms: every number of the view on screen, from the API's data;
 *   - input_latency_ms: a click on a widget's control sent right after that, while the charts are
 *     still being built, from the browser receiving it to the frame that shows its effect;
 *   - executive_interactive_ms: ready + input latency: when a reader who clicks as soon as the
 *     numbers appear sees the page answer;
 *   - executive_charts_ms: the charts above the fold drawn;
 *   - executive_complete_ms: every chart drawn, those below the fold included;
 *   - agents_list_ms: the virtualized roster showing its first rows.
 * ratio = executive_interactive_ms / baseline_ms. The budget is 1 s to interactive.
 */
import { sql } from 'kysely';
import { cpus, loadavg } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from '../packages/server/src/test-support/harness.js';
import { launchBrowser } from '../packages/web/test/support/browser.js';
import { ensureBuilt } from '../packages/web/test/support/build.js';
import { client, type Call } from '../packages/web/test/support/client.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const POD_SIZE = 6;
const TEAMS = ['platform', 'research', 'support', 'growth', 'data', 'security', 'infra', 'sales'];
const DAY = 86_400_000;
/** Stored history: every agent every 10 minutes for a day (the P2 cadence; faster tiers beat more). */
const HISTORY_STEP = 10 * 60_000;
const BUDGET_MS = 1000;

const started = Date.now();
const progress = (what: string): void => void process.stderr.write(`dashboard bench: ${what} (${Math.round((Date.now() - started) / 1000)} s)\n`);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]!);
};

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

async function seed(call: Call, insertHistory: (rows: number) => Promise<number>): Promise<number> {
  const pods = Math.ceil(AGENTS / POD_SIZE);
  const leads = Array.from({ length: 40 }, (_, i) => `lead-${i}`);
  await pool(leads, 4, (m) => call('POST', '/api/members', { member_id: m, name: m, kind: 'human' }));
  await call('POST', '/api/members', { member_id: 'owner', name: 'Owner', kind: 'human' });
  await pool(Array.from({ length: pods }, (_, i) => i), 4, (i) =>
    call('POST', '/api/pods', { pod_id: `pod-${i}`, name: `Pod ${i}`, team_id: TEAMS[i % TEAMS.length], lead_id: leads[i % leads.length] }),
  );
  progress(`${pods} pods`);
  const ids = Array.from({ length: AGENTS }, (_, i) => `agent-${String(i).padStart(5, '0')}`);
  const tierOf = (i: number) => (i % 10 === 0 ? 'P0' : i % 10 < 4 ? 'P1' : 'P2');
  await pool(ids, 6, (id) => {
    const i = Number(id.slice(6));
    return call('POST', '/api/agents', {
      agent_id: id,
      agent_name: id,
      agent_type: 'subagent',
      capability_tags: ['codegen'],
      model_profile: 'balanced',
      owner_id: 'owner',
      ...(i % 7 ? { secondary_owner_id: leads[i % leads.length] } : {}),
      team_id: TEAMS[Math.floor(i / POD_SIZE) % TEAMS.length],
      pod_id: `pod-${Math.floor(i / POD_SIZE)}`,
      priority_tier: tierOf(i),
      risk_level: 'low',
      cost_budget_daily: 10,
    });
  });
  progress(`${AGENTS} agents registered`);
  // Most of the fleet at work, some idle, a few paused or never started.
  await pool(ids, 6, async (id) => {
    const i = Number(id.slice(6));
    if (i % 50 === 0) return;
    const path = i % 25 === 1 ? ['ready', 'paused'] : i % 5 === 0 ? ['ready'] : i % 31 === 2 ? ['ready', 'assigned', 'executing', 'blocked'] : ['ready', 'assigned', 'executing'];
    for (const to of path) await call('POST', `/api/agents/${id}/transitions`, { to, reason: 'bench' });
  });
  progress('lifecycle moves done');
  const stored = await insertHistory(DAY / HISTORY_STEP);
  progress(`stored ${stored} heartbeats`);
  // The latest beat goes through the API so liveness and health are the server's own.
  await call('GET', '/api/clock');
  for (let i = 0; i < ids.length; i += 5000) {
    await call('POST', '/api/heartbeats', {
      heartbeats: ids.slice(i, i + 5000).map((id, k) => ({ agent_id: id, status: (i + k) % 97 === 0 ? 'degraded' : 'ok', work_mode: 'executing', queue_depth: (i + k) % 13, error_count_1h: (i + k) % 17 === 0 ? 4 : 0, latency_p95_ms: 800, token_burn_1h: 20_000, summary: 'working' })),
    });
  }
  // Some go silent long enough to miss, so every health bucket has agents.
  await call('POST', '/api/clock/advance', { ms: 400_000 });
  await call('POST', '/api/heartbeats', { heartbeats: ids.filter((_, i) => i % 3 !== 0).map((id) => ({ agent_id: id, status: 'ok', work_mode: 'executing' })) });
  return stored;
}

/**
 * Resolves `window.__handled` with the input latency of the next click on the workload card's
 * toggle: from the moment the browser received the click (the event's timestamp, so time spent
 * queued behind other work counts) to the frame that shows the change.
 */
const HANDLED = `window.__handled = new Promise((resolve) => {
  setTimeout(() => resolve(-1), 10000);
  let at = 0;
  document.addEventListener('click', (e) => { at = e.timeStamp; }, { capture: true, once: true });
  const hint = document.querySelector('[data-testid=workload] .hint');
  const mo = new MutationObserver(() => {
    if (!hint.textContent.includes('teams')) return;
    mo.disconnect();
    requestAnimationFrame(() => resolve(performance.now() - at));
  });
  mo.observe(hint, { childList: true, subtree: true, characterData: true });
}), 0`;

/**
 * Marks, inside the page, the frame in which each part of the view first appears, so the figures do
 * not include the driver's own polling and round trips (which wait while the page is busy).
 */
const MARKS = `(() => {
  const want = {
    ready: '[data-testid=executive][data-ready=true] [data-testid=kpi-total-agents]',
    states: '[data-testid=agents-by-state] .recharts-surface',
    throughput: '[data-testid=throughput] .recharts-surface',
    workload: '[data-testid=workload] .recharts-surface',
    rows: '[data-testid=agents-list] [data-testid=agent-row]',
  };
  const marks = (window.__marks = {});
  const seen = new Set();
  const mo = new MutationObserver(() => {
    for (const [k, sel] of Object.entries(want)) {
      if (seen.has(k) || !document.querySelector(sel)) continue;
      seen.add(k);
      requestAnimationFrame(() => { marks[k] = performance.now(); });
    }
    if (seen.size === Object.keys(want).length) mo.disconnect();
  });
  mo.observe(document, { childList: true, subtree: true });
})()`;

/** Polls an expression in the page (the page's security policy rules out waitForFunction's eval). */
async function until(page: Page, expr: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await page.evaluate<boolean>(`Boolean(${expr})`)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${expr}`);
}

async function measure(browser: Browser, url: string, key: string) {
  const open = async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // Signed in already, as a returning user would be (root tsconfig has no DOM types: strings).
    await ctx.addInitScript(`sessionStorage.setItem('aetherboard.key', ${JSON.stringify(key)})`);
    await ctx.addInitScript(MARKS);
    return { ctx, page: await ctx.newPage() };
  };
  const baseline: number[] = [];
  const ready: number[] = [];
  const interactive: number[] = [];
  const latency: number[] = [];
  const charts: number[] = [];
  const complete: number[] = [];
  const list: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    {
      const { ctx, page } = await open();
      await page.goto(`${url}/favicon.svg`, { waitUntil: 'load' });
      baseline.push(await page.evaluate<number>("performance.getEntriesByType('navigation')[0].duration"));
      await ctx.close();
    }
    {
      const { ctx, page } = await open();
      await page.goto(`${url}/#/`, { waitUntil: 'commit' });
      // Ready: every number of the view on screen, from the API's data.
      await page.locator('[data-testid=executive][data-ready=true] [data-testid=kpi-total-agents]').waitFor();
      // Interactive: the numbers are there and the first click is answered. A click sent as real
      // input right away, while charts are still being built, is handled and painted this long after.
      const teams = page.locator('[data-testid=workload] .tabs button', { hasText: 'Teams' });
      await teams.scrollIntoViewIfNeeded();
      const box = (await teams.boundingBox())!;
      await page.evaluate(HANDLED);
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      const lag = await page.evaluate<number>('window.__handled');
      await page.locator('[data-testid=workload] .recharts-surface').waitFor();
      await until(page, 'window.__marks.workload && window.__marks.states && window.__marks.throughput');
      const m = await page.evaluate<Record<string, number>>('window.__marks');
      ready.push(m.ready!);
      latency.push(lag);
      interactive.push(m.ready! + lag);
      charts.push(Math.max(m.states!, m.throughput!));
      complete.push(Math.max(m.states!, m.throughput!, m.workload!));
      await ctx.close();
    }
    {
      const { ctx, page } = await open();
      await page.goto(`${url}/#/agents`, { waitUntil: 'commit' });
      await until(page, 'window.__marks.rows');
      list.push(await page.evaluate<number>('window.__marks.rows'));
      await ctx.close();
    }
  }
  return { baseline_ms: median(baseline), executive_ready_ms: median(ready), input_latency_ms: median(latency), executive_interactive_ms: median(interactive), executive_charts_ms: median(charts), executive_complete_ms: median(complete), agents_list_ms: median(list) };
}

await ensureBuilt();
const s = await startTestServer('sqlite');
const call = client(s.url, s.rootKey);
const t0 = Date.now();
const stored = await seed(call, async (steps) => {
  // A day of history written straight to the table: the bench measures reading it, not ingestion.
  const db = s.database.db;
  const now = s.clock.now();
  const agents = await db.selectFrom('agents').select(['agent_id', 'workspace_id']).where('current_state', 'not in', ['registered', 'paused']).execute();
  let n = 0;
  for (let st = steps; st >= 1; st--) {
    const at = now - st * HISTORY_STEP;
    const rows = agents.map((a, k) => ({
      workspace_id: a.workspace_id,
      agent_id: a.agent_id,
      received_at: at,
      emitted_at: at,
      status: 'ok',
      work_mode: 'executing',
      active_assignment_id: null,
      queue_depth: (k + st) % 11,
      error_count_1h: (k + st) % 23 === 0 ? 2 : 0,
      latency_p95_ms: 600 + ((k * 7 + st) % 900),
      token_burn_1h: 10_000 + ((k + st) % 50) * 300,
      summary: `step ${st}`,
    }));
    await db.transaction().execute(async (tx) => {
      for (let i = 0; i < rows.length; i += 2000) await tx.insertInto('heartbeats').values(rows.slice(i, i + 2000)).execute();
    });
    n += rows.length;
  }
  // Link it into each agent's history chain, as the server would have (see migration 0007).
  await sql`
    UPDATE heartbeats SET prev_seq = x.prev
    FROM (SELECT seq, LAG(seq) OVER (PARTITION BY workspace_id, agent_id ORDER BY seq) AS prev FROM heartbeats) AS x
    WHERE heartbeats.seq = x.seq AND x.prev IS NOT NULL`.execute(db);
  await sql`
    UPDATE agents SET last_beat_seq = m.seq
    FROM (SELECT workspace_id, agent_id, max(seq) AS seq FROM heartbeats GROUP BY workspace_id, agent_id) AS m
    WHERE agents.workspace_id = m.workspace_id AND agents.agent_id = m.agent_id`.execute(db);
  return n;
});
const seedS = Math.round((Date.now() - t0) / 1000);
const summary = await call('GET', '/api/fleet/summary');
// How long the view's one big read takes on its own, for reading the figures below.
const apiTimes: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  await call('GET', '/api/fleet/summary');
  apiTimes.push(performance.now() - t);
}
progress('measuring');
const browser = await launchBrowser();
try {
  const m = await measure(browser, s.url, s.rootKey);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'dashboard',
      agents: summary.total_agents,
      heartbeats_stored: stored,
      runs: RUNS,
      ...m,
      ratio: Math.round((m.executive_interactive_ms / Math.max(1, m.baseline_ms)) * 100) / 100,
      budget_ms: BUDGET_MS,
      within_budget: m.executive_interactive_ms <= BUDGET_MS,
      summary_api_ms: median(apiTimes),
      health: summary.health,
      seed_s: seedS,
      // Other work on the machine slows the browser too; the ratio above is what compares across runs.
      load_avg_1m: Math.round(loadavg()[0]! * 10) / 10,
      cpus: cpus().length,
    })}\n`,
  );
} finally {
  await browser.close();
  await s.close();
}
