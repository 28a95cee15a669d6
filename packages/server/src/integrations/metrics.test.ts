import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, dialects, makeApi, seedOrg, startTestServer, type Api, type TestServer } from '../test-support/harness.js';

/** CI installs promtool (.ci/run); a developer without it gets a skip that says so, CI gets a failure. */
const HAVE_PROMTOOL = spawnSync('promtool', ['--version']).status === 0;
if (!HAVE_PROMTOOL && !process.env.CI) process.stderr.write('note: promtool not found (apt-get install prometheus); the promtool check is skipped\n');
const withPromtool = HAVE_PROMTOOL || process.env.CI ? it : it.skip;

function promtoolCheck(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool could not run: ${r.error.message} (CI installs the Debian package prometheus)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

/** `name{a="x",b="y"} value` lines as [name, labels, value]. */
function samples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l);
      if (!m) throw new Error(`not an exposition line: ${l}`);
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

const value = (text: string, name: string, labels: Record<string, string> = {}): number | undefined =>
  samples(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe.each(dialects())('GET /metrics on %s', (dialect) => {
  let s: TestServer;
  let api: Api;
  let other: Api;
  let otherWs: string;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    api = s.api;
    await seedOrg(api);
    for (const id of ['m-quiet', 'm-busy']) {
      await api('POST', '/api/agents', { body: agentBody(id) });
      await api('POST', `/api/agents/${id}/transitions`, { body: { to: 'ready', reason: 'go' } });
    }
    await api('POST', '/api/agents', { body: agentBody('m-new') });
    await api('POST', '/api/agents/m-busy/heartbeat', { body: { status: 'ok', work_mode: 'idle' } });
    const at = new Date(s.clock.now() - 60_000).toISOString();
    await api('POST', '/api/invocations/batch', {
      body: {
        invocations: [
          { agent_id: 'm-busy', task_description: 'summarise', started_at: at, success: true, tokens_used: 1200, cost_usd: 0.25 },
          { agent_id: 'm-busy', task_description: 'translate', started_at: at, success: false, tokens_used: 300, cost_usd: 0.05 },
        ],
      },
    });
    await api('POST', '/api/invocations', { body: { agent_id: 'm-busy', task_description: 'still running' } });
    // m-quiet never beats: two P0 intervals later it is in breach and paged.
    await api('POST', '/api/clock/advance', { body: { ms: 140_000 } });
    const ws = await api('POST', '/api/workspaces', { body: { name: 'Metrics B' } });
    otherWs = ws.body.workspace_id;
    other = makeApi(s.url, ws.body.admin_key);
  });
  afterAll(async () => s?.close());

  it('exposes fleet, alert, ingest, evaluator, invocation and process metrics in the text format', async () => {
    const r = await api<string>('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = r.body;
    const ws = { workspace: 'default' };
    expect(value(text, 'aetherboard_agents_by_state', { ...ws, state: 'ready' })).toBe(2);
    expect(value(text, 'aetherboard_agents_by_state', { ...ws, state: 'registered' })).toBe(1);
    expect(value(text, 'aetherboard_agents_by_state', { ...ws, state: 'archived' })).toBe(0);
    expect(value(text, 'aetherboard_agents_by_health', { ...ws, health: 'not_monitored' })).toBe(1);
    expect(value(text, 'aetherboard_agents_by_health', { ...ws, health: 'breach' })).toBeGreaterThanOrEqual(1);
    expect(value(text, 'aetherboard_alerts_open', { ...ws, kind: 'heartbeat_breach', severity: 'P1' })).toBeGreaterThanOrEqual(1);
    expect(value(text, 'aetherboard_alerts_open', { ...ws, kind: 'error_trend_rising', severity: 'P2' })).toBe(0);
    expect(value(text, 'aetherboard_heartbeats_accepted_total')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'aetherboard_evaluator_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'aetherboard_evaluator_pass_seconds')).toBeGreaterThan(0);
    expect(value(text, 'aetherboard_invocations_total', { ...ws, outcome: 'success' })).toBe(1);
    expect(value(text, 'aetherboard_invocations_total', { ...ws, outcome: 'failure' })).toBe(1);
    expect(value(text, 'aetherboard_invocations_open', ws)).toBe(1);
    expect(value(text, 'aetherboard_invocation_tokens_total', ws)).toBe(1500);
    expect(value(text, 'aetherboard_invocation_cost_usd_total', ws)).toBeCloseTo(0.3, 10);
    expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(value(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(value(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(value(text, 'aetherboard_build_info')).toBe(1);
    // The root key sees every workspace, each series labelled.
    expect(value(text, 'aetherboard_agents_by_state', { workspace: otherWs, state: 'ready' })).toBe(0);
  });

  it('counts heartbeats as they are stored', async () => {
    const before = value((await api<string>('GET', '/metrics')).body, 'aetherboard_heartbeats_accepted_total')!;
    await api('POST', '/api/heartbeats', { body: { heartbeats: [{ agent_id: 'm-busy', status: 'ok', work_mode: 'idle' }, { agent_id: 'm-quiet', status: 'ok', work_mode: 'idle' }, { agent_id: 'nobody', status: 'ok', work_mode: 'idle' }] } });
    expect(value((await api<string>('GET', '/metrics')).body, 'aetherboard_heartbeats_accepted_total')).toBe(before + 2);
  });

  withPromtool('passes promtool check metrics', async () => {
    const text = (await api<string>('GET', '/metrics')).body;
    const r = promtoolCheck(text);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it("shows a workspace key its own workspace only, and refuses agent keys and missing keys", async () => {
    const r = await other<string>('GET', '/metrics');
    expect(r.status).toBe(200);
    const workspaces = new Set(samples(r.body).map((x) => x.labels.workspace).filter(Boolean));
    expect([...workspaces]).toEqual([otherWs]);
    expect((await api('GET', '/metrics', { key: null })).status).toBe(401);
    expect((await api('GET', '/metrics', { key: 'ab_no_such_key' })).status).toBe(401);
    const agentKey = (await api('POST', '/api/keys', { body: { role: 'agent', agent_id: 'm-busy', label: 'a' } })).body.key;
    expect((await api('GET', '/metrics', { key: agentKey })).status).toBe(403);
  });
});

describe('GET /metrics with AETHERBOARD_METRICS_PUBLIC=1', () => {
  let s: TestServer;
  beforeAll(async () => {
    process.env.AETHERBOARD_METRICS_PUBLIC = '1';
    try {
      s = await startTestServer('sqlite');
    } finally {
      delete process.env.AETHERBOARD_METRICS_PUBLIC;
    }
  });
  afterAll(async () => s?.close());

  it('answers without a key, for every workspace', async () => {
    await s.api('POST', '/api/workspaces', { body: { name: 'Public B' } });
    const r = await s.api<string>('GET', '/metrics', { key: null });
    expect(r.status).toBe(200);
    expect(new Set(samples(r.body).map((x) => x.labels.workspace).filter(Boolean)).size).toBe(2);
  });
});
