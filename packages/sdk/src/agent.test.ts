import { describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { AetherBoardError } from './errors.js';
import type { FetchLike } from './http.js';

interface Call {
  url: string;
  method: string;
  body: unknown;
}

/** A stand-in server: records calls and answers what `answer` says. */
function fakeServer(answer: (call: Call, n: number) => Response | Promise<Response> | 'throw') {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const call = { url, method: String(init.method), body: init.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const a = await answer(call, calls.length);
    if (a === 'throw') throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    return a;
  };
  return { calls, fetch };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const acceptAll = (c: Call) => json(202, { accepted: (c.body as { invocations: unknown[] }).invocations.length, duplicates: 0, rejected: [] });
const batches = (calls: Call[]) => calls.filter((c) => c.url.endsWith('/api/invocations/batch'));
const items = (calls: Call[]) => batches(calls).flatMap((c) => (c.body as { invocations: Array<Record<string, unknown>> }).invocations);

describe('track', () => {
  it('returns what a sync function returns and records duration, CPU, memory and outcome', async () => {
    const srv = fakeServer(acceptAll);
    const agent = createClient({ url: 'http://x', key: 'k', fetch: srv.fetch }).agent('a-1', { heartbeats: false });
    const v = agent.track('add', () => 1 + 1, { complexity_score: 3, context: { file_count: 2 } });
    expect(v).toBe(2);
    expect(agent.stats).toMatchObject({ buffered: 1, active: 0, sent: 0 });
    await agent.flush();
    const [item] = items(srv.calls);
    expect(item).toMatchObject({ agent_id: 'a-1', name: 'add', task_description: 'add', success: true, complexity_score: 3, context: { file_count: 2 } });
    expect(item!.invocation_id).toMatch(/^[a-z0-9]+\.1$/);
    expect(typeof item!.execution_time_ms).toBe('number');
    expect(typeof item!.cpu_usage_percent).toBe('number');
    expect(item!.memory_usage_mb).toBeGreaterThan(0);
    expect(item!.peak_memory_mb).toBeGreaterThanOrEqual(item!.memory_usage_mb as number);
    expect(Math.abs(Date.parse(item!.started_at as string) - Date.now())).toBeLessThan(5_000);
    expect(agent.stats).toMatchObject({ sent: 1, buffered: 0 });
    await agent.stop();
  });

  it('passes through async results and rejections, and throws exactly what the function throws', async () => {
    const srv = fakeServer(acceptAll);
    const agent = createClient({ url: 'http://x', key: 'k', fetch: srv.fetch }).agent('a-1', { heartbeats: false });
    await expect(agent.track('ok', async () => 'yes')).resolves.toBe('yes');
    const boom = new RangeError('boom');
    await expect(agent.track('bad', async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(() =>
      agent.track('sync-bad', () => {
        throw boom;
      }),
    ).toThrow(boom);
    agent.track('soft', (inv) => inv.fail('no answer'));
    expect(agent.stats.active).toBe(0);
    await agent.flush();
    const got = Object.fromEntries(items(srv.calls).map((i) => [i.name, i]));
    expect(got.ok).toMatchObject({ success: true });
    expect(got.bad).toMatchObject({ success: false, error_details: expect.stringContaining('RangeError: boom') });
    expect(got['sync-bad']).toMatchObject({ success: false });
    expect(got.soft).toMatchObject({ success: false, error_details: 'no answer' });
    await agent.stop();
  });

  it('lets the caller attach tokens, cost and a summary, directly or from the result', async () => {
    const srv = fakeServer(acceptAll);
    const agent = createClient({ url: 'http://x', key: 'k', fetch: srv.fetch }).agent('a-1', { heartbeats: false });
    agent.track('llm', (inv) => inv.report({ tokens_used: 120, cost_usd: 0.002, outcome_summary: 'drafted' }));
    await agent.track('llm2', async () => ({ usage: { total_tokens: 77 } }), { result: (r) => ({ tokens_used: r.usage.total_tokens, cost_usd: 0.001 }) });
    agent.track('preset', () => undefined, { tokens_used: 5, cost_usd: 0.5, task_description: 'Fix typo in docs' });
    agent.track('bad-extractor', () => 1, {
      result: () => {
        throw new Error('oops');
      },
    });
    await agent.flush();
    const got = Object.fromEntries(items(srv.calls).map((i) => [i.name, i]));
    expect(got.llm).toMatchObject({ tokens_used: 120, cost_usd: 0.002, outcome_summary: 'drafted' });
    expect(got.llm2).toMatchObject({ tokens_used: 77, cost_usd: 0.001 });
    expect(got.preset).toMatchObject({ tokens_used: 5, cost_usd: 0.5, task_description: 'Fix typo in docs' });
    expect(got['bad-extractor']).toMatchObject({ success: true });
    await agent.stop();
  });

  it('keeps a bounded buffer and counts what it drops while the server is away', async () => {
    let up = false;
    const srv = fakeServer((c) => (up ? acceptAll(c) : 'throw'));
    const errors: string[] = [];
    const agent = createClient({ url: 'http://x', key: 'k', fetch: srv.fetch }).agent('a-1', {
      heartbeats: false,
      maxBuffer: 100,
      batchSize: 40,
      backoff: { baseMs: 5, maxMs: 20 },
      onError: (e) => errors.push(e.message),
    });
    for (let i = 0; i < 250; i++) expect(agent.track('t', () => i)).toBe(i);
    expect(agent.stats).toMatchObject({ buffered: 100, dropped: 150 });
    const r = await agent.flush(100);
    expect(r.remaining).toBe(100);
    expect(errors.some((m) => m.includes('unreachable'))).toBe(true);
    up = true;
    const r2 = await agent.flush(5_000);
    expect(r2).toEqual({ sent: 100, remaining: 0 });
    expect(agent.stats).toMatchObject({ sent: 100, dropped: 150, buffered: 0 });
    expect(new Set(items(srv.calls.filter(() => true)).map((i) => i.invocation_id)).size).toBe(100);
    await agent.stop();
  });

  it('retries a batch whose answer was lost with the same ids, and drops a batch the server refuses outright', async () => {
    let n = 0;
    const srv = fakeServer((c) => {
      n += 1;
      if (n === 1) return json(503, { error: { code: 'internal', message: 'restarting' } });
      if (n === 3) return json(401, { error: { code: 'unauthorized', message: 'revoked' } });
      return acceptAll(c);
    });
    const agent = createClient({ url: 'http://x', key: 'k', fetch: srv.fetch }).agent('a-1', { heartbeats: false, backoff: { baseMs: 1, maxMs: 2 } });
    agent.track('one', () => 1);
    await agent.flush();
    const [first, second] = batches(srv.calls);
    expect(JSON.stringify(first!.body)).toBe(JSON.stringify(second!.body));
    agent.track('two', () => 2);
    await agent.flush();
    expect(agent.stats).toMatchObject({ sent: 1, rejected: 1, buffered: 0, failed_requests: 2 });
    await agent.stop();
  });

  it('splits batches by count and by size', async () => {
    const srv = fakeServer(acceptAll);
    const agent = createClient({ url: 'http://x', key: 'k', fetch: srv.fetch }).agent('a-1', { heartbeats: false, batchSize: 10, maxBatchBytes: 64 * 1024 });
    const big = 'x'.repeat(9_000);
    for (let i = 0; i < 25; i++) agent.track('t', () => i, { task_description: big });
    await agent.flush();
    const sizes = batches(srv.calls).map((c) => (c.body as { invocations: unknown[] }).invocations.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(25);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(7);
    await agent.stop();
  });

  it('trims what the server would refuse instead of losing the record', async () => {
    const srv = fakeServer(acceptAll);
    const agent = createClient({ url: 'http://x', key: 'k', fetch: srv.fetch }).agent('a-1', { heartbeats: false });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    agent.track('', () => 1, { complexity_score: 42, tokens_used: -3, cost_usd: Number.NaN, context: cyclic });
    agent.track('wide', () => 1, { context: { blob: 'y'.repeat(20_000) } });
    await agent.flush();
    const [a, b] = items(srv.calls);
    expect(a).toMatchObject({ name: 'invocation', complexity_score: 10, context: { unserialisable: true } });
    expect(a).not.toHaveProperty('tokens_used');
    expect(a).not.toHaveProperty('cost_usd');
    expect(b!.context).toMatchObject({ truncated: true });
    await agent.stop();
  });

  it('never lets a broken fetch reach the agent', async () => {
    const agent = createClient({
      url: 'http://x',
      key: 'k',
      fetch: () => {
        throw new Error('synchronously broken');
      },
    }).agent('a-1', { heartbeats: false, backoff: { baseMs: 1, maxMs: 1 } });
    for (let i = 0; i < 10; i++) expect(agent.track('t', () => i)).toBe(i);
    const r = await agent.flush(50);
    expect(r.remaining).toBe(10);
    expect(agent.stats.failed_requests).toBeGreaterThan(0);
  });

  it('wraps a function so every call is tracked', async () => {
    const srv = fakeServer(acceptAll);
    const agent = createClient({ url: 'http://x', key: 'k', fetch: srv.fetch }).agent('a-1', { heartbeats: false });
    const add = agent.wrap('add', (a: number, b: number) => a + b);
    expect(add(2, 3)).toBe(5);
    expect(add(1, 1)).toBe(2);
    await agent.flush();
    expect(items(srv.calls)).toHaveLength(2);
    await agent.stop();
  });
});

describe('client errors', () => {
  it('throws a typed AetherBoardError with the contract error, or status 0 when unreachable', async () => {
    const srv = fakeServer(() => json(404, { error: { code: 'not_found', message: "agent 'x' was not found" } }));
    const c = createClient({ url: 'http://x/', key: 'k', fetch: srv.fetch });
    const err = await c.agents.get('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AetherBoardError);
    expect(err).toMatchObject({ status: 404, code: 'not_found', message: "agent 'x' was not found", retryable: false });
    expect(srv.calls[0]!.url).toBe('http://x/api/agents/x');
    const down = createClient({ url: 'http://x', key: 'k', fetch: fakeServer(() => 'throw').fetch });
    await expect(down.fleet.summary()).rejects.toMatchObject({ status: 0, code: 'unreachable', retryable: true });
    const limited = createClient({ url: 'http://x', key: 'k', fetch: fakeServer(() => new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }), { status: 429, headers: { 'retry-after': '2' } })).fetch });
    await expect(limited.agents.list()).rejects.toMatchObject({ status: 429, retryAfterMs: 2000, retryable: true });
  });

  it('sends query strings and bodies as the contract spells them', async () => {
    const srv = fakeServer(() => json(200, { items: [], next_cursor: null }));
    const c = createClient({ url: 'http://x', key: 'secret', fetch: srv.fetch });
    await c.agents.list({ state: 'ready', limit: 10, team_id: undefined });
    expect(srv.calls[0]!.url).toBe('http://x/api/agents?state=ready&limit=10');
    await c.alerts.ack('al-1', 'on it');
    expect(srv.calls[1]).toMatchObject({ method: 'POST', url: 'http://x/api/alerts/al-1/ack', body: { note: 'on it' } });
    await c.agents.fire('a b', 'dumb');
    expect(srv.calls[2]).toMatchObject({ url: 'http://x/api/agents/a%20b/fire', body: { reason: 'dumb' } });
  });
});

describe('cpu measurement modes', () => {
  it('measures exactly, from samples, or not at all, as asked', async () => {
    const srv = fakeServer(acceptAll);
    const c = createClient({ url: 'http://x', key: 'k', fetch: srv.fetch });
    const off = c.agent('a-1', { heartbeats: false, cpu: 'off', measureMemory: false });
    const exact = c.agent('a-1', { heartbeats: false, cpu: 'exact' });
    const auto = c.agent('a-1', { heartbeats: false });
    off.track('off', () => 1);
    exact.track('exact', () => 1);
    for (let i = 0; i < 5; i++) auto.track('fast', () => i);
    await Promise.all([off.flush(), exact.flush(), auto.flush()]);
    const got = items(srv.calls);
    const offItem = got.find((i) => i.name === 'off')!;
    expect(offItem).not.toHaveProperty('cpu_usage_percent');
    expect(offItem).not.toHaveProperty('memory_usage_mb');
    expect(got.find((i) => i.name === 'exact')!.cpu_usage_percent).toBeGreaterThanOrEqual(0);
    // The first call of a name is measured exactly; the short ones after it read the samples.
    const fast = got.filter((i) => i.name === 'fast');
    expect(fast).toHaveLength(5);
    expect(fast.every((i) => typeof i.cpu_usage_percent === 'number')).toBe(true);
    await Promise.all([off.stop(), exact.stop(), auto.stop()]);
  });
});
