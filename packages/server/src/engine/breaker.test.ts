import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { bootstrap } from '../bootstrap.js';
import { ManualClock } from '../clock.js';
import { agentBody, dialects, makeApi, openTestDb, ROOT_KEY, seedOrg, startTestServer, T0, type Api, type TestServer } from '../test-support/harness.js';

const S = 1000;

const setup = async (api: Api, count: number, prefix: string) => {
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`;
    expect((await api('POST', '/api/agents', { body: agentBody(id) })).status).toBe(201);
    await api('POST', `/api/agents/${id}/transitions`, { body: { to: 'ready', reason: 'go' } });
  }
  const r = await api('POST', '/api/heartbeats', { body: { heartbeats: Array.from({ length: count }, (_, i) => ({ agent_id: `${prefix}-${i}`, status: 'ok', work_mode: 'idle' })) } });
  expect(r.body).toEqual({ accepted: count, rejected: [] });
};

describe.each(dialects())('fleet breaker (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await seedOrg(s.api);
  });
  afterAll(async () => s?.close());

  it('raises one fleet_outage instead of a page per agent, and pages individually after recovery', async () => {
    const { api } = s;
    await setup(api, 20, 'fb');
    // 12 of 20 go silent at once; 8 keep beating.
    for (let t = 0; t < 4; t++) {
      await api('POST', '/api/clock/advance', { body: { ms: 40 * S } });
      await api('POST', '/api/heartbeats', { body: { heartbeats: Array.from({ length: 8 }, (_, i) => ({ agent_id: `fb-${i}`, status: 'ok', work_mode: 'idle' })) } });
    }
    const open = (await api('GET', '/api/alerts?status=open&limit=1000')).body.items as Array<{ kind: string; agent_id: string | null; details: Record<string, number> }>;
    expect(open.filter((a) => a.kind === 'heartbeat_breach')).toHaveLength(0);
    const outage = open.filter((a) => a.kind === 'fleet_outage');
    expect(outage).toHaveLength(1);
    expect(outage[0]!.agent_id).toBeNull();
    expect(outage[0]!.details.troubled).toBe(12);
    // Recovery of 10 of the 12: the outage clears, the 2 still silent get their own pages.
    await api('POST', '/api/heartbeats', { body: { heartbeats: Array.from({ length: 18 }, (_, i) => ({ agent_id: `fb-${i}`, status: 'ok', work_mode: 'idle' })) } });
    await api('POST', '/api/clock/advance', { body: { ms: S } });
    const after = (await api('GET', '/api/alerts?limit=1000')).body.items as Array<{ kind: string; status: string; agent_id: string }>;
    expect(after.find((a) => a.kind === 'fleet_outage')!.status).toBe('resolved');
    expect(after.filter((a) => a.kind === 'heartbeat_breach' && a.status === 'open').map((a) => a.agent_id).sort()).toEqual(['fb-18', 'fb-19']);
  });
});

describe.each(dialects())('restart grace (%s)', (dialect) => {
  it('does not page agents that resume within one interval of a server restart', async () => {
    const tdb = await openTestDb(dialect);
    try {
      const clock1 = new ManualClock(T0);
      await bootstrap(tdb.database, clock1, ROOT_KEY);
      const app1 = createApp({ database: tdb.database, clock: clock1, logger: false, rateLimitPerSecond: 0 });
      await app1.start();
      await app1.http.listen({ port: 0, host: '127.0.0.1' });
      const api1 = makeApi(`http://127.0.0.1:${(app1.http.server.address() as { port: number }).port}`, ROOT_KEY);
      await seedOrg(api1);
      await api1('PATCH', '/api/settings/liveness', { body: { fleet_outage_min_agents: 1000 } });
      await setup(api1, 3, 'rg');
      await api1('POST', '/api/clock/advance', { body: { ms: 10 * S } });
      await app1.close();

      // The server was down for 5 minutes: every agent missed beats it could not deliver.
      const clock2 = new ManualClock(T0 + 10 * S + 5 * 60 * S);
      const app2 = createApp({ database: tdb.database, clock: clock2, logger: false, rateLimitPerSecond: 0 });
      await app2.start();
      await app2.http.listen({ port: 0, host: '127.0.0.1' });
      const api2 = makeApi(`http://127.0.0.1:${(app2.http.server.address() as { port: number }).port}`, ROOT_KEY);
      await api2('POST', '/api/clock/advance', { body: { ms: 30 * S } });
      await api2('POST', '/api/heartbeats', { body: { heartbeats: [0, 1].map((i) => ({ agent_id: `rg-${i}`, status: 'ok', work_mode: 'idle' })) } });
      await api2('POST', '/api/clock/advance', { body: { ms: 46 * S } });
      const agents = (await api2('GET', '/api/agents?limit=10')).body.items as Array<{ agent_id: string; health: string }>;
      expect(agents.filter((a) => a.agent_id.startsWith('rg-')).map((a) => a.health)).toEqual(['healthy', 'healthy', 'at_risk']);
      expect((await api2('GET', '/api/alerts')).body.items).toHaveLength(0);
      // The one that never came back is paged on the normal schedule from the restart.
      await api2('POST', '/api/clock/advance', { body: { ms: 60 * S } });
      const open = (await api2('GET', '/api/alerts?status=open')).body.items as Array<{ kind: string; agent_id: string }>;
      expect(open.map((a) => `${a.kind}:${a.agent_id}`)).toEqual(['heartbeat_breach:rg-2']);
      await app2.close();
    } finally {
      await tdb.cleanup();
    }
  });
});

describe('webhooks', () => {
  let s: TestServer;
  let receiver: Server;
  let url = '';
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  let failNext = 0;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        if (failNext > 0) {
          failNext -= 1;
          res.writeHead(503).end('busy');
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    s = await startTestServer('sqlite');
    await seedOrg(s.api);
  });
  afterAll(async () => {
    await s?.close();
    await new Promise((r) => receiver.close(r));
  });

  it('signs every delivery, retries with backoff and logs each attempt', async () => {
    const { api } = s;
    const secret = 'a-very-secret-webhook-key';
    const hook = await api('POST', '/api/webhooks', { body: { url, events: ['alert.opened', 'alert.escalated'], secret } });
    expect(hook.status).toBe(201);
    expect(JSON.stringify(hook.body)).not.toContain(secret);
    expect((await api('POST', '/api/webhooks', { body: { url: 'ftp://x', events: ['alert.opened'], secret } })).status).toBe(400);

    await setup(api, 1, 'wh');
    failNext = 2;
    await api('POST', '/api/clock/advance', { body: { ms: 136 * S } });
    expect(received).toHaveLength(1);
    await api('POST', '/api/clock/advance', { body: { ms: 10 * S } });
    expect(received).toHaveLength(2);
    await api('POST', '/api/clock/advance', { body: { ms: 30 * S } });
    expect(received).toHaveLength(3);
    for (const r of received) {
      const expected = `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`;
      expect(r.headers['x-aetherboard-signature']).toBe(expected);
      expect(JSON.parse(r.body)).toMatchObject({ event: 'alert.opened', agent_id: 'wh-0' });
    }
    expect(received.map((r) => r.headers['x-aetherboard-delivery-attempt'])).toEqual(['1', '2', '3']);
    const log = await api('GET', `/api/webhooks/${hook.body.webhook_id}/deliveries`);
    expect(log.body.items[0]).toMatchObject({ event_type: 'alert.opened', status: 'delivered', attempts: 3, last_status_code: 204 });
    // Escalation is its own event.
    await api('POST', '/api/clock/advance', { body: { ms: 10 * 60 * S } });
    expect(received.map((r) => JSON.parse(r.body).event)).toContain('alert.escalated');
  });
});
