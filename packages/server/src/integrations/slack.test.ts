import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, dialects, makeApi, seedOrg, startTestServer, type Api, type TestServer } from '../test-support/harness.js';

interface Received {
  text: string;
  blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }>;
}

/** A Slack-compatible incoming webhook on loopback that can be told to fail. */
async function receiver(): Promise<{ url: string; got: Received[]; failNext: (n: number) => void; close(): Promise<void> }> {
  const got: Received[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(500).end('no_service');
        return;
      }
      got.push(JSON.parse(body) as Received);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/services/T000/B000/XXXX`,
    got,
    failNext: (n) => (failures = n),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe.each(dialects())('Slack-compatible webhook notifications on %s', (dialect) => {
  let s: TestServer;
  let api: Api;
  let hook: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    hook = await receiver();
    s = await startTestServer(dialect);
    api = s.api;
    await seedOrg(api);
    await api('POST', '/api/clock/advance', { body: { ms: 1_000 } });
    const set = await api('PATCH', '/api/settings/integrations', { body: { slack_webhook_url: hook.url } });
    expect(set.status).toBe(200);
    expect(set.body.slack_webhook_url).toBe(hook.url);
  });
  afterAll(async () => {
    await s?.close();
    await hook?.close();
  });

  const advance = (ms: number) => api('POST', '/api/clock/advance', { body: { ms } });

  it('posts a P1 alert when it opens, escalates and resolves, with text and blocks', async () => {
    await api('POST', '/api/agents', { body: agentBody('sl-agent', { priority_tier: 'P0' }) });
    await api('POST', '/api/agents/sl-agent/transitions', { body: { to: 'ready', reason: 'go' } });
    await api('POST', '/api/agents/sl-agent/heartbeat', { body: { status: 'ok', work_mode: 'idle' } });
    await advance(140_000);
    expect(hook.got).toHaveLength(1);
    const opened = hook.got[0]!;
    expect(opened.text).toMatch(/^:rotating_light: \[P1\] heartbeat_breach opened for sl-agent: sl-agent missed 2 heartbeats/);
    expect(opened.blocks[0]!.text!.text).toContain('*heartbeat_breach* opened for `sl-agent`');
    expect(opened.blocks[1]!.elements![0]!.text).toMatch(/severity \*P1\* · pod pod-a · team platform · tier P0 · workspace default · alert `/);

    // Unacknowledged for the ack timeout: it climbs to the workforce manager, and Slack hears of it.
    await advance(10 * 60_000);
    expect(hook.got.map((m) => m.text)).toEqual([expect.stringContaining('opened'), expect.stringMatching(/escalated to level 1 for sl-agent/)]);

    await api('POST', '/api/agents/sl-agent/heartbeat', { body: { status: 'ok', work_mode: 'idle' } });
    await advance(1_000);
    expect(hook.got).toHaveLength(3);
    expect(hook.got[2]!.text).toMatch(/^:white_check_mark: \[P1\] heartbeat_breach resolved for sl-agent/);
  });

  it('keeps P2 alerts out, and retries a message the receiver refused', async () => {
    const before = hook.got.length;
    await api('POST', '/api/agents', { body: agentBody('sl-noisy', { priority_tier: 'P2' }) });
    await api('POST', '/api/agents/sl-noisy/transitions', { body: { to: 'ready', reason: 'go' } });
    await api('POST', '/api/agents/sl-noisy/heartbeat', { body: { status: 'ok', work_mode: 'idle', error_count_1h: 50 } });
    await advance(1_000);
    expect((await api('GET', '/api/alerts?agent_id=sl-noisy&severity=P2')).body.items).toEqual([expect.objectContaining({ kind: 'error_trend_rising' })]);
    expect(hook.got).toHaveLength(before);

    hook.failNext(1);
    await api('POST', '/api/agents/sl-noisy/heartbeat', { body: { status: 'offline', work_mode: 'idle' } });
    await advance(1_000);
    expect((await api('GET', '/api/alerts?agent_id=sl-noisy&kind=agent_offline')).body.items).toHaveLength(1);
    expect(hook.got).toHaveLength(before);
    await advance(31_000);
    expect(hook.got).toHaveLength(before + 1);
    expect(hook.got[before]!.text).toMatch(/agent_offline opened for sl-noisy/);
  });

  it('validates the settings, keeps them to admins, and leaves other workspaces alone', async () => {
    expect((await api('PATCH', '/api/settings/integrations', { body: { slack_webhook_url: 'ftp://example.com/x' } })).status).toBe(400);
    expect((await api('PATCH', '/api/settings/integrations', { body: { otlp_unknown_agents: 'maybe' } })).status).toBe(400);
    expect((await api('PATCH', '/api/settings/integrations', { body: { surprise: true } })).status).toBe(400);
    const operator = (await api('POST', '/api/keys', { body: { role: 'operator', label: 'op' } })).body.key;
    expect((await api('GET', '/api/settings/integrations', { key: operator })).status).toBe(403);
    const ws = await api('POST', '/api/workspaces', { body: { name: 'Quiet one' } });
    const other = makeApi(s.url, ws.body.admin_key);
    expect((await other('GET', '/api/settings/integrations')).body).toEqual({ otlp_unknown_agents: 'reject', alertmanager_url: null, slack_webhook_url: null, from_environment: [] });
    expect((await api('PATCH', '/api/settings/integrations', { body: { slack_webhook_url: null } })).body.slack_webhook_url).toBeNull();
  });
});

describe('integration settings from the environment', () => {
  let s: TestServer;
  beforeAll(async () => {
    process.env.AETHERBOARD_ALERTMANAGER_URL = 'http://127.0.0.1:9/am';
    try {
      s = await startTestServer('sqlite');
    } finally {
      delete process.env.AETHERBOARD_ALERTMANAGER_URL;
    }
  });
  afterAll(async () => s?.close());

  it('apply to the default workspace until its own settings name another', async () => {
    const r = await s.api('GET', '/api/settings/integrations');
    expect(r.body).toMatchObject({ alertmanager_url: 'http://127.0.0.1:9/am', from_environment: ['alertmanager_url'] });
    const own = await s.api('PATCH', '/api/settings/integrations', { body: { alertmanager_url: 'http://127.0.0.1:9/own' } });
    expect(own.body).toMatchObject({ alertmanager_url: 'http://127.0.0.1:9/own', from_environment: [] });
  });
});
