import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { ManualClock } from '../clock.js';
import { ROOT_KEY, agentBody, dialects, seedOrg, startTestServer, type Api, type TestServer } from '../test-support/harness.js';

const BINARY = 'prometheus-alertmanager';
/** CI installs Alertmanager (.ci/run); a developer without it gets a skip that says so, CI gets a failure. */
const HAVE_ALERTMANAGER = spawnSync(BINARY, ['--version']).status === 0;
if (!HAVE_ALERTMANAGER && !process.env.CI) process.stderr.write(`note: ${BINARY} not found (apt-get install prometheus-alertmanager); the Alertmanager tests are skipped\n`);
const suite = HAVE_ALERTMANAGER || process.env.CI ? describe.each(dialects()) : describe.skip.each(dialects());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

interface RunningAlertmanager {
  url: string;
  stop(): Promise<void>;
}

/** A real Alertmanager on a loopback port, with its own config and storage, clustering off. */
async function startAlertmanager(): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'aetherboard-am-'));
  writeFileSync(join(dir, 'alertmanager.yml'), ['route:', '  receiver: blackhole', '  group_wait: 1s', 'receivers:', '  - name: blackhole', ''].join('\n'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    BINARY,
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${BINARY} exited (${child.exitCode}): ${log}`);
    const ok = await fetch(`${url}/-/ready`).then((r) => r.ok).catch(() => false);
    if (ok) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${BINARY} not ready within 20 s: ${log}`);
    }
    await sleep(100);
  }
}

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

const firing = async (am: RunningAlertmanager): Promise<AmAlert[]> => (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as AmAlert[];

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await sleep(100);
  }
}

suite('alerts forwarded to a real Alertmanager on %s', (dialect) => {
  let am: RunningAlertmanager;
  let s: TestServer | undefined;
  let api: Api;

  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });
  afterAll(async () => am?.stop());

  /** A fresh server whose clock runs a little behind real time: Alertmanager judges endsAt by its own wall clock. */
  async function serve(): Promise<void> {
    s = await startTestServer(dialect);
    api = s.api;
    (s.clock as ManualClock).setTo(Date.now() - 3 * 60_000);
    await seedOrg(api);
    const set = await api('PATCH', '/api/settings/integrations', { body: { alertmanager_url: am.url } });
    expect(set.status).toBe(200);
    expect(set.body.alertmanager_url).toBe(am.url);
  }

  const advance = (ms: number) => api('POST', '/api/clock/advance', { body: { ms } });

  /** A P0 agent that beats once and then goes quiet: two intervals and the grace later it is paged. */
  async function breach(agentId: string): Promise<string> {
    await api('POST', '/api/agents', { body: agentBody(agentId, { priority_tier: 'P0' }) });
    await api('POST', `/api/agents/${agentId}/transitions`, { body: { to: 'ready', reason: 'go' } });
    await api('POST', `/api/agents/${agentId}/heartbeat`, { body: { status: 'ok', work_mode: 'idle' } });
    expect((await advance(140_000)).status).toBe(200);
    const open = await api('GET', `/api/alerts?agent_id=${agentId}&status=open`);
    expect(open.body.items).toEqual([expect.objectContaining({ kind: 'heartbeat_breach' })]);
    return open.body.items[0].alert_id as string;
  }

  it('pushes an open alert with routing labels, and resolves it when ours resolves', async () => {
    await serve();
    const alertId = await breach('am-agent');
    const ours = (await api('GET', `/api/alerts/${alertId}`)).body;

    const alerts = await eventually(() => firing(am), (xs) => xs.some((a) => a.labels.agent === 'am-agent'), 'the alert in Alertmanager');
    const a = alerts.find((x) => x.labels.agent === 'am-agent')!;
    expect(a.labels).toEqual({
      alertname: 'heartbeat_breach',
      kind: 'heartbeat_breach',
      severity: 'P1',
      agent: 'am-agent',
      pod: 'pod-a',
      team: 'platform',
      tier: 'P0',
      workspace: 'default',
    });
    expect(a.annotations).toMatchObject({ summary: ours.summary, alert_id: alertId });
    expect(a.status.state).toBe('active');
    expect(Date.parse(a.startsAt)).toBe(Date.parse(ours.opened_at));
    expect(Date.parse(a.endsAt)).toBeGreaterThan(Date.now());

    // The agent beats again: ours resolves, and Alertmanager is told with endsAt at that moment.
    await api('POST', '/api/agents/am-agent/heartbeat', { body: { status: 'ok', work_mode: 'idle' } });
    expect((await api('GET', `/api/alerts/${alertId}`)).body.status).toBe('resolved');
    await advance(1_000);
    await eventually(() => firing(am), (xs) => !xs.some((x) => x.labels.agent === 'am-agent'), 'the alert resolved in Alertmanager');
  });

  it('still delivers a resolution owed across an unreachable Alertmanager and a restart', async () => {
    await serve();
    const alertId = await breach('am-restart');
    await eventually(() => firing(am), (xs) => xs.some((a) => a.labels.agent === 'am-restart'), 'the alert in Alertmanager');
    const forwarded = () =>
      s!.database.db.withTables<{ forwarded_alerts: { alert_id: string; target: string } }>().selectFrom('forwarded_alerts').select('target').where('alert_id', '=', alertId).execute();
    expect(await forwarded()).toEqual([{ target: 'alertmanager' }]);

    // Alertmanager becomes unreachable; the alert resolves meanwhile and the push fails.
    await api('PATCH', '/api/settings/integrations', { body: { alertmanager_url: `http://127.0.0.1:${await freePort()}` } });
    await api('POST', '/api/agents/am-restart/heartbeat', { body: { status: 'ok', work_mode: 'idle' } });
    await advance(1_000);
    expect((await api('GET', `/api/alerts/${alertId}`)).body.status).toBe('resolved');
    // Still owed: the row stays until Alertmanager has heard of the resolution.
    expect(await forwarded()).toHaveLength(1);
    expect((await firing(am)).some((a) => a.labels.agent === 'am-restart')).toBe(true);

    // The process stops; a fresh one on the same database, pointed back at Alertmanager, pays what is owed.
    await s!.app.close();
    const again = createApp({ database: s!.database, clock: s!.clock });
    try {
      const patch = await again.http.inject({ method: 'PATCH', url: '/api/settings/integrations', headers: { authorization: `Bearer ${ROOT_KEY}` }, payload: { alertmanager_url: am.url } });
      expect(patch.statusCode).toBe(200);
      await again.start();
      await again.runDue();
      await eventually(() => firing(am), (xs) => !xs.some((a) => a.labels.agent === 'am-restart'), 'the owed resolution');
      expect(await forwarded()).toEqual([]);
    } finally {
      await again.close();
    }
  });
});
