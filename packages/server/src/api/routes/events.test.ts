import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../auth.js';
import { buildHttp } from '../http.js';
import { RateLimiter } from '../rate-limit.js';
import { agentBody, dialects, seedOrg, startTestServer, type TestServer } from '../../test-support/harness.js';
import { EVENTS_COOKIE, eventRoutes } from './events.js';
import type { RouteDeps } from './deps.js';

interface Sse {
  status: number;
  contentType: string | null;
  /** Resolves with the next event of that name (and, if given, `type`), or rejects after `ms`. */
  next(name: string, type?: string, ms?: number): Promise<{ event: string; data: unknown }>;
  events: Array<{ event: string; data: unknown }>;
  comments: string[];
  close(): void;
}

async function openSse(url: string, headers: Record<string, string>): Promise<Sse> {
  const ctl = new AbortController();
  const res = await fetch(url, { headers, signal: ctl.signal });
  const events: Sse['events'] = [];
  const comments: string[] = [];
  const waiters: Array<() => void> = [];
  if (res.ok && res.body) {
    void (async () => {
      const reader = res.body!.getReader();
      const dec = new TextDecoder();
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let event = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (data) events.push({ event, data: JSON.parse(data) });
            for (const w of waiters.splice(0)) w();
          }
        }
      } catch {
        // aborted by close()
      }
    })();
  }
  let seen = 0;
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    comments,
    close: () => ctl.abort(),
    next: (name, type, ms = 3000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no '${name}' event within ${ms} ms; got ${JSON.stringify(events)}`)), ms);
        const check = (): void => {
          const idx = events.findIndex((e, k) => k >= seen && e.event === name && (type === undefined || (e.data as { type?: string }).type === type));
          if (idx >= 0) {
            seen = idx + 1;
            clearTimeout(timer);
            resolve(events[idx]!);
          } else waiters.push(check);
        };
        check();
      }),
  };
}

const listeners = (s: TestServer): number => (Reflect.get(s.app.svc.bus, 'listeners') as Set<unknown>).size;

describe.each(dialects())('GET /api/events on %s', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await seedOrg(s.api);
  });
  afterAll(async () => s?.close());

  it('refuses a request without a key, or with an unknown one', async () => {
    const r = await s.api('GET', '/api/events', { key: null });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('unauthorized');
    const c = await s.api('GET', '/api/events', { key: null, headers: { cookie: `${EVENTS_COOKIE}=ab_nope` } });
    expect(c.status).toBe(401);
  });

  it('streams the workspace changes to a bearer key and to the cookie, and no other workspace changes', async () => {
    const other = await s.api('POST', '/api/workspaces', { body: { name: 'Other' } });
    expect(other.status).toBe(201);
    const header = await openSse(`${s.url}/api/events`, { authorization: `Bearer ${s.rootKey}` });
    const cookie = await openSse(`${s.url}/api/events`, { cookie: `theme=dark; ${EVENTS_COOKIE}=${encodeURIComponent(s.rootKey)}` });
    const foreign = await openSse(`${s.url}/api/events`, { authorization: `Bearer ${other.body.admin_key}` });
    try {
      expect(header.status).toBe(200);
      expect(header.contentType).toMatch(/^text\/event-stream/);
      expect((await header.next('ready')).data).toEqual({ workspace_id: 'default' });
      await cookie.next('ready');
      await foreign.next('ready');

      expect((await s.api('POST', '/api/agents', { body: agentBody('live-1') })).status).toBe(201);
      const e = await header.next('change', 'agent.registered');
      expect(e.data).toEqual({ type: 'agent.registered', agent_id: 'live-1', data: null });
      expect((await cookie.next('change', 'agent.registered')).data).toMatchObject({ agent_id: 'live-1' });
      await s.api('POST', '/api/agents/live-1/transitions', { body: { to: 'ready', reason: 'configured' } });
      expect((await header.next('change', 'agent.transition')).data).toEqual({ type: 'agent.transition', agent_id: 'live-1', data: { to: 'ready' } });
      await new Promise((r) => setTimeout(r, 400));
      expect(foreign.events.filter((x) => x.event === 'change')).toEqual([]);
    } finally {
      header.close();
      cookie.close();
      foreign.close();
    }
  });

  it("gives an agent key only its own agent's changes", async () => {
    await s.api('POST', '/api/agents', { body: agentBody('mine') });
    const key = await s.api('POST', '/api/keys', { body: { role: 'agent', agent_id: 'mine', label: 'mine' } });
    const sse = await openSse(`${s.url}/api/events`, { authorization: `Bearer ${key.body.key}` });
    try {
      await sse.next('ready');
      await s.api('POST', '/api/agents', { body: agentBody('not-mine') });
      await s.api('POST', '/api/agents/mine/transitions', { body: { to: 'ready', reason: 'go' } });
      const e = await sse.next('change', 'agent.transition');
      expect(e.data).toMatchObject({ agent_id: 'mine', type: 'agent.transition' });
      expect(sse.events.some((x) => (x.data as { agent_id?: string }).agent_id === 'not-mine')).toBe(false);

      // Heartbeats: its own are announced to it by name, another agent's are not.
      await s.api('POST', '/api/heartbeats', { body: { heartbeats: [{ agent_id: 'not-mine', status: 'ok', work_mode: 'idle' }] } });
      await s.api('POST', '/api/heartbeats', { body: { heartbeats: [{ agent_id: 'not-mine', status: 'ok', work_mode: 'idle' }, { agent_id: 'mine', status: 'ok', work_mode: 'idle' }] } });
      const hb = await sse.next('change', 'heartbeats');
      expect(hb.data).toEqual({ type: 'heartbeats', agent_id: null, data: { agent_ids: ['not-mine', 'mine'] } });
      await s.api('POST', '/api/agents/mine/heartbeat', { body: { status: 'ok', work_mode: 'idle' } });
      expect((await sse.next('change', 'heartbeats')).data).toEqual({ type: 'heartbeats', agent_id: 'mine', data: { agent_ids: ['mine'] } });
      expect(sse.events.filter((x) => (x.data as { type: string }).type === 'heartbeats')).toHaveLength(2);
    } finally {
      sse.close();
    }
  });

  it('announces a large batch of heartbeats by count, without its agents', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `many-${i}`);
    for (const id of ids) await s.api('POST', '/api/agents', { body: agentBody(id) });
    const seen: Array<{ type: string; agent_id?: string; data?: unknown }> = [];
    const off = s.app.svc.bus.on((e) => seen.push(e));
    try {
      expect((await s.api('POST', '/api/heartbeats', { body: { heartbeats: ids.map((agent_id) => ({ agent_id, status: 'ok', work_mode: 'idle' })) } })).status).toBe(202);
    } finally {
      off();
    }
    expect(seen.filter((e) => e.type === 'heartbeats')).toEqual([{ workspace_id: 'default', type: 'heartbeats', data: { agent_ids: null } }]);
  });

  it('unsubscribes when the client goes away', async () => {
    // Earlier tests' streams close asynchronously; let them finish first.
    await new Promise((r) => setTimeout(r, 300));
    const before = listeners(s);
    const sse = await openSse(`${s.url}/api/events`, { authorization: `Bearer ${s.rootKey}` });
    await sse.next('ready');
    expect(listeners(s)).toBe(before + 1);
    sse.close();
    for (let i = 0; i < 50 && listeners(s) !== before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(listeners(s)).toBe(before);
  });

  it('sends keep-alive comments, and one overflow event for a burst too large to list', async () => {
    const deps = { svc: s.app.svc, auth: new Authenticator(s.database, s.clock) } as unknown as RouteDeps;
    const http = buildHttp(eventRoutes(deps, { keepAliveMs: 50, flushMs: 30, maxPerFlush: 3 }), {
      auth: deps.auth,
      limiter: new RateLimiter(s.clock, 0, 0),
      logger: false,
    });
    await http.listen({ port: 0, host: '127.0.0.1' });
    const addr = http.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const sse = await openSse(`http://127.0.0.1:${port}/api/events`, { authorization: `Bearer ${s.rootKey}` });
    try {
      await sse.next('ready');
      for (let i = 0; i < 10; i++) s.app.svc.bus.emit({ workspace_id: 'default', type: 'agent.updated', agent_id: `burst-${i}` });
      expect((await sse.next('overflow')).data).toEqual({ count: 7 });
      expect(sse.events.filter((e) => e.event === 'change')).toHaveLength(3);
      await new Promise((r) => setTimeout(r, 150));
      expect(sse.comments).toContain('keep-alive');
    } finally {
      sse.close();
      await http.close();
    }
  });
});
