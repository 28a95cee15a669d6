import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { BatchHeartbeatItem, BatchInvocationItem, DEFAULT_RACI } from '@aetherboard/contracts';
import { DEFAULT_BODY_LIMIT } from './http.js';
import type { AnyRoute } from './route.js';
import {
  HOSTILE_CURSORS,
  acceptedTypes,
  bodyCases,
  deeplyNested,
  fillPath,
  freeTextPath,
  inputJsonSchema,
  pathParams,
  queryCases,
  refusalProblem,
  routeKey,
  snapshotDb,
} from '../test-support/fuzz.js';
import { agentBody, dialects, makeApi, seedOrg, startTestServer, type Api, type ApiResponse, type TestServer } from '../test-support/harness.js';

/**
 * A minimal valid body per route (`METHOD url`), so each bad variant differs from an accepted
 * request by exactly one fault. Ids name objects that `seedWorkspace` creates in both workspaces.
 * A route with a body schema that is missing here fails the first test below.
 */
const VALID_BODIES: Record<string, unknown> = {
  'POST /api/clock/advance': { ms: 1000 },
  'POST /api/workspaces': { name: 'Fuzzed workspace' },
  'POST /api/keys': { role: 'viewer', label: 'fuzz key' },
  'PUT /api/org': { manager_id: 'mgr' },
  'POST /api/members': { name: 'Fuzz Member', kind: 'human', email: 'fuzz@example.com' },
  'PATCH /api/members/:id': { name: 'Renamed Member' },
  'POST /api/pods': { name: 'Fuzz Pod', team_id: 'platform', lead_id: 'lead' },
  'PATCH /api/pods/:id': { name: 'Renamed Pod' },
  'POST /api/agents': agentBody('fuzz-agent', { cost_budget_daily: 10 }),
  'PATCH /api/agents/:id': { notes: 'patched', priority_tier: 'P1' },
  'POST /api/agents/:id/transitions': { to: 'ready', reason: 'fuzz' },
  'POST /api/agents/:id/fire': { reason: 'dumb', context: 'fuzz' },
  'POST /api/assignments': {
    agent_id: 'worker',
    workstream_id: 'fuzz-stream',
    role_on_task: 'owner',
    due_at: '2026-02-01T00:00:00Z',
    contract: { scope: 'fuzz scope', definition_of_done: ['done'] },
  },
  'PATCH /api/assignments/:id': { status: 'blocked', blocker_code: 'dependency', percent_complete: 10 },
  'POST /api/assignments/:id/reassign': { agent_id: 'worker', reason: 'fuzz' },
  'POST /api/agents/:id/sessions': { session_key: 'fuzz-session', channel: 'web', metadata: { a: 1 } },
  'PATCH /api/sessions/:id': { message_count: 3, context_summary: 'fuzz', metadata: { b: 2 } },
  'POST /api/agents/:id/heartbeat': { status: 'ok', work_mode: 'idle', queue_depth: 1, summary: 'fuzz' },
  'POST /api/heartbeats': { heartbeats: [{ agent_id: 'worker', status: 'ok', work_mode: 'idle' }] },
  'POST /api/alerts/:id/ack': { note: 'on it' },
  'POST /api/alerts/:id/resolve': { note: 'fixed' },
  'POST /api/webhooks': { url: 'http://127.0.0.1:9/hook', events: ['alert.opened'], secret: 'fuzz-secret-0123456789' },
  'POST /api/silences': { matchers: { agent_id: 'worker', kind: 'heartbeat_breach' }, ends_at: '2026-01-06T09:00:00Z', comment: 'fuzz window' },
  'PATCH /api/settings/liveness': { cadence_s: { P0: 60 }, grace_fraction: 0.2 },
  'POST /api/invocations': { agent_id: 'worker', name: 'fuzz', task_description: 'fuzz the API', complexity_score: 3, context: { a: 1 } },
  'POST /api/invocations/:id/complete': { success: true, outcome_summary: 'ok', execution_time_ms: 120, tokens_used: 10, cost_usd: 0.01 },
  'POST /api/invocations/batch': {
    invocations: [{ invocation_id: 'fuzz-batch-1', agent_id: 'worker', task_description: 'batched', started_at: '2026-01-05T08:00:00Z', success: true }],
  },
  'PUT /api/raci': DEFAULT_RACI,
  'PATCH /api/settings/governance': { stale_paused_days: 30, contract_required_tiers: ['P0'] },
  'POST /api/skills': { name: 'Fuzz skill', version: '1.0', owner_id: 'owner', quality_constraints: ['tests pass'], input_contract: { a: 1 } },
  'PUT /api/agents/:id/skills/:skill_id': { status: 'validated', evidence: 'passed the benchmark' },
  'POST /api/assignments/:id/evidence': { item: 'CI run', url: 'https://example.com/ci/1' },
  'PUT /api/budgets/:scope/:scope_id': { daily_usd: 100 },
  'PATCH /api/settings/integrations': { otlp_unknown_agents: 'reject' },
  'POST /api/agents/:id/escalate': { reason: 'needs a person' },
};

/**
 * Batch routes check each item on its own and answer 202 with the bad ones listed by index (the
 * contract's `{accepted, rejected: [{index, error}]}`), so their items get their own faults.
 */
const BATCH_ITEMS: Record<string, { field: string; schema: z.ZodType; valid: Record<string, unknown> }> = {
  'POST /api/heartbeats': { field: 'heartbeats', schema: BatchHeartbeatItem, valid: { agent_id: 'worker', status: 'ok', work_mode: 'idle', queue_depth: 2 } },
  'POST /api/invocations/batch': {
    field: 'invocations',
    schema: BatchInvocationItem,
    valid: { invocation_id: 'fuzz-item', agent_id: 'worker', task_description: 'batched', started_at: '2026-01-05T08:00:00Z', success: true, tokens_used: 5 },
  },
};

/** Anything above this is not a limit but an invitation. */
const MAX_SANE_BODY_LIMIT = 32 * 1024 * 1024;

const validBody = (r: AnyRoute): unknown => VALID_BODIES[routeKey(r)] ?? {};
const isStream = (r: AnyRoute): boolean => Object.values(r.responses).some((s) => s.contentType === 'text/event-stream');
/** Routes that take a key: declared authenticated, or public ones that check a key themselves (and say 401). */
const takesKey = (r: AnyRoute): boolean => r.access === 'authenticated' || r.responses[401] !== undefined;

type Ids = Record<string, string>;

/**
 * One workspace's objects, with ids unique to it (`<p>-…`) for the objects routes address, next to
 * the shared org of `seedOrg` (mgr, lead, owner, pod-a) that valid bodies refer to.
 */
async function seedWorkspace(api: Api, p: string): Promise<Ids> {
  const ok = async (r: Promise<ApiResponse>, what: string): Promise<ApiResponse> => {
    const res = await r;
    if (res.status >= 300) throw new Error(`seed ${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  await seedOrg(api);
  await ok(api('POST', '/api/members', { body: { member_id: `${p}-member`, name: `${p} member`, kind: 'human' } }), 'member');
  await ok(api('POST', '/api/pods', { body: { pod_id: `${p}-pod`, name: `${p} pod`, team_id: 'platform', lead_id: 'lead' } }), 'pod');
  for (const id of [`${p}-agent`, 'worker', `${p}-busy`]) await ok(api('POST', '/api/agents', { body: agentBody(id) }), id);
  for (const to of ['ready', 'assigned', 'executing']) await ok(api('POST', `/api/agents/${p}-busy/transitions`, { body: { to, reason: 'seed' } }), to);
  const contract = { scope: 'seeded', definition_of_done: ['done'] };
  const a = await ok(api('POST', '/api/assignments', { body: { assignment_id: `${p}-assignment`, agent_id: `${p}-busy`, workstream_id: 'seed', role_on_task: 'owner', contract } }), 'assignment');
  const s = await ok(api('POST', `/api/agents/${p}-agent/sessions`, { body: { session_key: `${p}-session` } }), 'session');
  const k = await ok(api('POST', '/api/keys', { body: { role: 'viewer', label: `${p} viewer` } }), 'key');
  await ok(api('POST', '/api/agents', { body: agentBody(`${p}-teamed`, { team_id: `${p}-team` }) }), 'teamed agent');
  const inv = await ok(api('POST', '/api/invocations', { body: { agent_id: `${p}-busy`, task_description: 'seeded work' } }), 'invocation');
  const sil = await ok(api('POST', '/api/silences', { body: { matchers: { agent_id: `${p}-agent` }, ends_at: '2026-01-06T09:00:00Z', comment: 'seed' } }), 'silence');
  const hook = await ok(api('POST', '/api/webhooks', { body: { url: 'http://127.0.0.1:9/hook', events: ['alert.opened'], secret: 'seed-secret-0123456789' } }), 'webhook');
  const skill = await ok(api('POST', '/api/skills', { body: { skill_id: `${p}-skill`, name: `${p} skill`, version: '1', owner_id: 'owner' } }), 'skill');
  return {
    agents: `${p}-agent`,
    members: `${p}-member`,
    pods: `${p}-pod`,
    teams: `${p}-team`,
    assignments: a.body.assignment_id,
    sessions: s.body.session_id,
    keys: k.body.key_id,
    invocations: inv.body.invocation_id,
    silences: sil.body.silence_id,
    webhooks: hook.body.webhook_id,
    skills: skill.body.skill_id,
  };
}

/** Alerts come from the engine: an executing P0 agent that never beats breaches within minutes. */
async function seedAlerts(root: Api, callers: Array<[Api, Ids]>): Promise<void> {
  const adv = await root('POST', '/api/clock/advance', { body: { ms: 15 * 60_000 } });
  if (adv.status !== 200) throw new Error(`seed clock: ${adv.status} ${JSON.stringify(adv.body)}`);
  for (const [caller, ids] of callers) {
    const r = await caller('GET', '/api/alerts?status=open&limit=1');
    const id = r.body?.items?.[0]?.alert_id;
    if (typeof id !== 'string') throw new Error(`seed alert: ${r.status} ${JSON.stringify(r.body)}`);
    ids.alerts = id;
  }
}

/** The collections the seeders can name an object of, i.e. the `:params` this suite can fill. */
const SEEDED_COLLECTIONS = ['agents', 'members', 'pods', 'teams', 'assignments', 'sessions', 'keys', 'invocations', 'silences', 'webhooks', 'alerts', 'skills'];
/**
 * A team is a label on agents and pods, not a stored object: a name only another workspace uses
 * shows this workspace's (empty) view of it, or 404; either way nothing of the other workspace.
 */
const LABEL_COLLECTIONS = ['teams'];

function report(failures: string[]): void {
  expect(failures, `${failures.length} problem(s):\n${failures.join('\n')}`).toEqual([]);
}

describe('bad input: what the generic suites need from each route', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
  });
  afterAll(async () => s?.close());

  it('has a valid body for every route with a body schema, and each one passes its schema', () => {
    const missing = s.app.routes.filter((r) => r.body && !(routeKey(r) in VALID_BODIES)).map(routeKey);
    expect(missing, `add a minimal valid body for these routes to VALID_BODIES: ${missing.join(', ')}`).toEqual([]);
    const invalid = s.app.routes
      .filter((r) => r.body && routeKey(r) in VALID_BODIES)
      .flatMap((r) => {
        const res = r.body!.safeParse(VALID_BODIES[routeKey(r)]);
        return res.success ? [] : [`${routeKey(r)}: ${res.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`];
      });
    report(invalid);
    const stale = Object.keys(VALID_BODIES).filter((k) => !s.app.routes.some((r) => r.body && routeKey(r) === k));
    expect(stale, 'VALID_BODIES names routes that have no body schema (any more)').toEqual([]);
  });

  it('knows the item schema of every batch route', () => {
    const batches = s.app.routes.filter((r) => r.body && Object.values(inputJsonSchema(r.body).properties ?? {}).some((p) => p.type === 'array' && p.items && Object.keys(p.items).length === 0));
    expect(batches.map(routeKey).sort(), 'routes whose items are checked one by one need an entry in BATCH_ITEMS').toEqual(Object.keys(BATCH_ITEMS).sort());
    for (const b of Object.values(BATCH_ITEMS)) expect(b.schema.safeParse(b.valid).success).toBe(true);
  });

  it('notices any stored change in its database snapshot, bar advisory columns', async () => {
    const before = await snapshotDb(s.database);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['agents', 'api_keys', 'workspaces']));
    await s.database.db.updateTable('api_keys').set({ last_used_at: 123 }).execute();
    expect(await snapshotDb(s.database)).toEqual(before);
    await s.database.db.updateTable('workspaces').set({ name: 'renamed' }).execute();
    const after = await snapshotDb(s.database);
    expect(Object.keys(after).filter((t) => after[t] !== before[t])).toEqual(['workspaces']);
  });

  it('gives every route a body limit', () => {
    const bad = s.app.routes
      .map((r) => [routeKey(r), r.bodyLimit ?? DEFAULT_BODY_LIMIT] as const)
      .filter(([, limit]) => !(Number.isInteger(limit) && limit > 0 && limit <= MAX_SANE_BODY_LIMIT))
      .map(([k, limit]) => `${k}: ${limit}`);
    report(bad);
  });

  it('declares every body as a strict object, and its schema refuses every derived single fault', () => {
    const failures: string[] = [];
    for (const r of s.app.routes.filter((x) => x.body)) {
      const js = inputJsonSchema(r.body!);
      if (js.type !== 'object' || js.additionalProperties !== false) failures.push(`${routeKey(r)}: body is not a strict object`);
      const cases = bodyCases(r.body!, validBody(r));
      if (cases.length === 0) failures.push(`${routeKey(r)}: no fault could be derived from its schema`);
      for (const c of cases) {
        // Out-of-bound values are heuristics and may be legal; the other faults never are.
        if (c.kind !== 'boundary' && r.body!.safeParse(c.body).success) failures.push(`${routeKey(r)}: schema accepts ${c.name}`);
      }
    }
    report(failures);
  });

  it('can address an object of every collection a route names in its path', () => {
    const unknown = s.app.routes
      .filter((r) => takesKey(r))
      .flatMap((r) => pathParams(r).filter((p) => p.collection !== undefined && !SEEDED_COLLECTIONS.includes(p.collection)).map((p) => `${routeKey(r)} (:${p.name} of ${p.collection})`));
    expect(unknown, 'teach seedWorkspace to create an object of these collections (and add it to SEEDED_COLLECTIONS)').toEqual([]);
  });
});

describe.each(dialects())('bad input over HTTP on %s', (dialect) => {
  let s: TestServer;
  let api: Api;
  let other: Api;
  let idsA: Ids;
  let idsB: Ids;
  let routes: AnyRoute[];

  const pathA = (r: AnyRoute): string => fillPath(r, idsA) ?? r.url;
  /** Runs `batch` and fails if any table changed (advisory columns aside). */
  const unchanged = async (batch: () => Promise<void>): Promise<void> => {
    const before = await snapshotDb(s.database);
    await batch();
    expect(await snapshotDb(s.database), 'a refused request changed stored data').toEqual(before);
  };

  beforeAll(async () => {
    s = await startTestServer(dialect);
    api = s.api;
    idsA = await seedWorkspace(api, 'wsa');
    const ws = await api('POST', '/api/workspaces', { body: { name: 'Workspace B' } });
    expect(ws.status).toBe(201);
    other = makeApi(s.url, ws.body.admin_key);
    idsB = await seedWorkspace(other, 'wsb');
    await seedAlerts(api, [
      [api, idsA],
      [other, idsB],
    ]);
    routes = s.app.routes.filter((r) => !r.hidden);
  });
  afterAll(async () => s?.close());

  it('refuses bodies that are not a JSON object with 400', async () => {
    const failures: string[] = [];
    const json = { 'content-type': 'application/json' };
    await unchanged(async () => {
      for (const r of routes.filter((x) => x.body)) {
        const valid = JSON.stringify(validBody(r));
        const cases: Array<[string, { raw?: string; headers?: Record<string, string> }]> = [
          ['truncated JSON', { raw: valid.slice(0, -1) }],
          ['not JSON at all', { raw: 'hello there' }],
          ['a JSON array', { raw: '[]' }],
          ['an array of the valid body', { raw: `[${valid}]` }],
          ['a JSON string', { raw: '"just text"' }],
          ['a JSON number', { raw: '42' }],
          ['JSON true', { raw: 'true' }],
          ['an empty body declared as JSON', { raw: '', headers: json }],
          ['a form instead of JSON', { raw: 'name=x&kind=human', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
          ['valid JSON sent as text/plain', { raw: valid, headers: { 'content-type': 'text/plain' } }],
          ['prototype pollution via __proto__', { raw: `{"__proto__":{"polluted":true},${valid.slice(1)}` }],
          ['prototype pollution via constructor', { raw: `{"constructor":{"prototype":{"polluted":true}},${valid.slice(1)}` }],
          // As deep as the route's body limit allows: the nesting, not the size, is under test.
          ['nesting thousands of levels deep', { raw: deeplyNested(Math.min(100_000, Math.floor(((r.bodyLimit ?? DEFAULT_BODY_LIMIT) - 16) / 6))) }],
        ];
        if (r.bodyRequired !== false) cases.push(['JSON null', { raw: 'null' }], ['no body at all', {}]);
        for (const [name, opts] of cases) {
          const res = await api(r.method, pathA(r), opts);
          const p = refusalProblem(res, [400]);
          if (p) failures.push(`${routeKey(r)} ${name}: ${p}`);
        }
        // Bytes that are not UTF-8 at all, which a text-only client could not send.
        const bytes = await fetch(s.url + pathA(r), {
          method: r.method,
          headers: { authorization: `Bearer ${s.rootKey}`, 'content-type': 'application/json' },
          body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
        });
        const text = await bytes.text();
        const p = refusalProblem({ status: bytes.status, body: JSON.parse(text || 'null'), headers: bytes.headers }, [400]);
        if (p) failures.push(`${routeKey(r)} invalid UTF-8: ${p}`);
      }
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    report(failures);
  });

  it('refuses a malformed body with 400 on writes that take no JSON body, too', async () => {
    const failures: string[] = [];
    await unchanged(async () => {
      for (const r of routes.filter((x) => !x.body && x.method !== 'GET')) {
        for (const [name, raw, type] of [
          ['truncated JSON', '{"a":', 'application/json'],
          ['garbage declared as protobuf', '\u0007\u00ff not protobuf \u0001', 'application/x-protobuf'],
          ['garbage declared as JSON', 'not json at all', 'application/json'],
        ] as const) {
          const res = await api(r.method, pathA(r), { raw, headers: { 'content-type': type } });
          const p = refusalProblem(res, [400]);
          if (p) failures.push(`${routeKey(r)} ${name}: ${p}`);
        }
      }
    });
    report(failures);
  });

  it('refuses wrong types, null, unknown enum values, missing and unknown fields and out-of-bound values with 400', async () => {
    const failures: string[] = [];
    let sent = 0;
    await unchanged(async () => {
      for (const r of routes.filter((x) => x.body)) {
        for (const c of bodyCases(r.body!, validBody(r))) {
          if (r.body!.safeParse(c.body).success) continue;
          sent++;
          const res = await api(r.method, pathA(r), { body: c.body });
          const p = refusalProblem(res, [400]);
          if (p) failures.push(`${routeKey(r)} ${c.name}: ${p}`);
          else if (!Array.isArray(res.body.error.details) || res.body.error.details.length === 0) failures.push(`${routeKey(r)} ${c.name}: details do not name the bad field`);
        }
      }
    });
    report(failures);
    expect(sent).toBeGreaterThan(100);
  });

  it('refuses text the database cannot store and absurd nesting inside otherwise valid bodies', async () => {
    const failures: string[] = [];
    let sent = 0;
    await unchanged(async () => {
      for (const r of routes.filter((x) => x.body)) {
        const valid = validBody(r) as Record<string, unknown>;
        const text = freeTextPath(r.body!, valid);
        if (text) {
          sent++;
          const res = await api(r.method, pathA(r), { body: { ...valid, [text]: 'before\u0000after' } });
          const p = refusalProblem(res, [400]);
          if (p) failures.push(`${routeKey(r)} U+0000 in ${text}: ${p}`);
        }
        // Free-form objects (metadata and the like) are where nesting gets past the schema.
        const props = inputJsonSchema(r.body!).properties ?? {};
        for (const [k, ps] of Object.entries(props)) {
          const t = acceptedTypes(ps);
          if (t.size && !(t.has('object') && !ps.properties)) continue;
          sent++;
          const raw = JSON.stringify({ ...valid, [k]: '@@nest@@' }).replace('"@@nest@@"', deeplyNested(10_000));
          const res = await api(r.method, pathA(r), { raw });
          const p = refusalProblem(res, [400]);
          if (p) failures.push(`${routeKey(r)} ${k} nested 10,000 deep: ${p}`);
        }
      }
    });
    report(failures);
    expect(sent).toBeGreaterThan(0);
  });

  it('refuses a body over the route limit with 413 on every route that takes one', async () => {
    const failures: string[] = [];
    await unchanged(async () => {
      for (const r of routes.filter((x) => x.method !== 'GET')) {
        const limit = r.bodyLimit ?? DEFAULT_BODY_LIMIT;
        const raw = `{"padding":"${'x'.repeat(limit)}"}`;
        const res = await api(r.method, pathA(r), { raw });
        const p = refusalProblem(res, [413]);
        if (p) failures.push(`${routeKey(r)} ${raw.length} bytes over a ${limit}-byte limit: ${p}`);
      }
    });
    report(failures);
  });

  it('refuses bad query strings with 400: unknown values, limits out of range, garbage cursors', async () => {
    const failures: string[] = [];
    let sent = 0;
    await unchanged(async () => {
      for (const r of routes.filter((x) => x.query && !isStream(x))) {
        for (const c of queryCases(r.query!)) {
          sent++;
          const res = await api(r.method, `${pathA(r)}?${c.query}`);
          const p = refusalProblem(res, [400]);
          if (p) failures.push(`${routeKey(r)} ${c.name}: ${p}`);
        }
      }
    });
    report(failures);
    expect(sent).toBeGreaterThan(20);
  });

  it('refuses cursors that decode to values no server issued with 400, never a 5xx', async () => {
    const failures: string[] = [];
    await unchanged(async () => {
      for (const r of routes.filter((x) => x.query && !isStream(x) && 'cursor' in (inputJsonSchema(x.query).properties ?? {}))) {
        for (const [name, cursor] of HOSTILE_CURSORS) {
          const res = await api(r.method, `${pathA(r)}?cursor=${cursor}`);
          // A cursor of the right type may legitimately just page past the end; it must not fail the server.
          const p = res.status === 200 ? undefined : refusalProblem(res, [400]);
          if (p) failures.push(`${routeKey(r)} cursor ${name}: ${p}`);
        }
      }
    });
    report(failures);
  });

  it('rejects each bad item of a batch by its index and stores none of them', async () => {
    const failures: string[] = [];
    await unchanged(async () => {
      for (const [key, b] of Object.entries(BATCH_ITEMS)) {
        const r = routes.find((x) => routeKey(x) === key);
        if (!r) continue;
        const bad = bodyCases(b.schema, b.valid).filter((c) => !b.schema.safeParse(c.body).success);
        const res = await api(r.method, pathA(r), { body: { [b.field]: bad.map((c) => c.body) } });
        if (res.status !== 202) {
          failures.push(`${key}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
          continue;
        }
        const rejected = (res.body.rejected ?? []) as Array<{ index: number; error: { code: string; message: string } }>;
        if (res.body.accepted !== 0) failures.push(`${key}: accepted ${res.body.accepted} bad items`);
        const missed = bad.filter((_c, i) => !rejected.some((x) => x.index === i && x.error.code === 'validation_failed' && x.error.message));
        for (const c of missed) failures.push(`${key}: item "${c.name}" is not rejected as validation_failed by its index`);
      }
    });
    report(failures);
  });

  it('refuses every write with a viewer key (403) and changes nothing', async () => {
    const viewer = await api('POST', '/api/keys', { body: { role: 'viewer', label: 'read only' } });
    const v = makeApi(s.url, viewer.body.key);
    const failures: string[] = [];
    await unchanged(async () => {
      for (const r of routes.filter((x) => x.method !== 'GET' && x.access === 'authenticated')) {
        const res = await v(r.method, pathA(r), r.body ? { body: validBody(r) } : {});
        // A batch refuses a viewer item by item; what matters is that none is stored.
        if (res.status === 202 && res.body?.accepted === 0) continue;
        const p = refusalProblem(res, [403]);
        if (p) failures.push(`${routeKey(r)}: ${p}`);
      }
    });
    report(failures);
  });

  it('answers 401 for a missing, malformed, unknown or revoked key on every route that takes one', async () => {
    const revoked = await api('POST', '/api/keys', { body: { role: 'admin', label: 'to revoke' } });
    expect((await api('DELETE', `/api/keys/${revoked.body.key_id}`)).status).toBe(204);
    const failures: string[] = [];
    const keyless: Array<[string, { key: null; headers?: Record<string, string> }]> = [
      ['no Authorization header', { key: null }],
      ['a bare Bearer', { key: null, headers: { authorization: 'Bearer' } }],
      ['an unknown key', { key: null, headers: { authorization: 'Bearer ab_not_a_key_anyone_issued' } }],
      ['Basic credentials', { key: null, headers: { authorization: 'Basic cm9vdDpyb290' } }],
      ['a key followed by junk', { key: null, headers: { authorization: `Bearer ${s.rootKey} junk` } }],
      ['a revoked key', { key: null, headers: { authorization: `Bearer ${revoked.body.key}` } }],
    ];
    await unchanged(async () => {
      for (const r of routes.filter(takesKey)) {
        for (const [name, opts] of keyless) {
          const res = await api(r.method, pathA(r), { ...opts, ...(r.body ? { body: validBody(r) } : {}) });
          const p = refusalProblem(res, [401]);
          if (p) failures.push(`${routeKey(r)} ${name}: ${p}`);
        }
      }
    });
    report(failures);
  });

  it("answers 404 for another workspace's ids (both ways) and for ids that exist nowhere, changing nothing", async () => {
    const failures: string[] = [];
    const nowhere = Object.fromEntries(Object.keys(idsA).map((k) => [k, 'no-such-object']));
    const attempts: Array<[string, Api, Ids]> = [
      ["A's root key on B's ids", api, idsB],
      ["B's admin key on A's ids", other, idsA],
      ['ids that exist nowhere', api, nowhere],
    ];
    const objectIds = (ids: Ids): string[] => Object.entries(ids).flatMap(([c, id]) => (LABEL_COLLECTIONS.includes(c) ? [] : [id]));
    await unchanged(async () => {
      for (const r of routes.filter((x) => takesKey(x) && pathParams(x).length > 0)) {
        const label = pathParams(r).some((p) => p.collection !== undefined && LABEL_COLLECTIONS.includes(p.collection));
        for (const [name, caller, ids] of attempts) {
          const path = fillPath(r, ids);
          if (!path) continue; // reported by the collections test above
          const res = await caller(r.method, path, r.body ? { body: validBody(r) } : {});
          if (label && res.status === 200) {
            const text = JSON.stringify(res.body);
            const leaked = objectIds(ids).filter((id) => text.includes(id));
            if (leaked.length) failures.push(`${routeKey(r)} ${name}: shows the other workspace's ${leaked.join(', ')}`);
            continue;
          }
          const p = refusalProblem(res, [404]);
          if (p) failures.push(`${routeKey(r)} ${name} (${path}): ${p}`);
        }
      }
    });
    report(failures);
  });

  it("never lists another workspace's objects, even when a filter names them", async () => {
    const failures: string[] = [];
    const lists = routes.filter((r) => r.method === 'GET' && r.access === 'authenticated' && !isStream(r) && pathParams(r).length === 0);
    await unchanged(async () => {
      for (const [caller, theirs, tag] of [
        [api, idsB, 'wsb-'],
        [other, idsA, 'wsa-'],
      ] as const) {
        for (const r of lists) {
          const filters = Object.keys((r.query && inputJsonSchema(r.query).properties) ?? {})
            .map((k) => [k, theirs[`${k.replace(/_id$/, '')}s`]] as const)
            .filter((e): e is readonly [string, string] => e[1] !== undefined);
          for (const q of ['', ...filters.map(([k, v]) => `?${k}=${encodeURIComponent(v)}`)]) {
            const res = await caller('GET', `${r.url}${q}`);
            const text = JSON.stringify(res.body);
            const leaked = Object.values(theirs).filter((id) => text.includes(id));
            if (res.status >= 500) failures.push(`${routeKey(r)}${q}: ${res.status}`);
            if (text.includes(tag) || leaked.length) failures.push(`${routeKey(r)}${q} shows the other workspace: ${text.slice(0, 300)}`);
          }
        }
      }
    });
    report(failures);
  });

  it('answers URLs that cannot name anything in the contract shape', async () => {
    const failures: string[] = [];
    const cases: Array<[string, string, string, number[]]> = [
      ['bad percent-encoding', 'GET', '/api/agents/%ZZ', [400]],
      // Past the router's parameter length the path matches no route at all: 404 is as right as 400.
      ['a path segment longer than any id', 'GET', `/api/agents/${'a'.repeat(600)}`, [400, 404]],
      ['a path segment longer than any id, on a write', 'POST', `/api/agents/${'a'.repeat(600)}/fire`, [400, 404]],
      ['an id longer than ids may be', 'GET', `/api/agents/${'a'.repeat(129)}`, [400]],
      ['an id with U+0000', 'GET', '/api/agents/a%00b', [400]],
      ['an unknown /api path', 'GET', '/api/no-such-thing', [404]],
      ['a method the path does not take', 'PUT', '/api/agents', [404]],
    ];
    await unchanged(async () => {
      for (const [name, method, path, status] of cases) {
        const p = refusalProblem(await api(method, path), status);
        if (p) failures.push(`${name} (${method} ${path.slice(0, 40)}): ${p}`);
      }
    });
    report(failures);
  });

  it('accepts each valid body, so every refusal above was the fault and nothing else', async () => {
    const failures: string[] = [];
    // Fresh objects, so one route's success (a fire, an archive) does not decide another's.
    let n = 0;
    for (const r of routes.filter((x) => x.body)) {
      const ids: Ids = { ...idsA, agents: `ok-${++n}` };
      await api('POST', '/api/agents', { body: agentBody(ids.agents!) });
      if (r.url.startsWith('/api/assignments/:id')) {
        const a = await api('POST', '/api/assignments', { body: { agent_id: ids.agents, workstream_id: 'ok', role_on_task: 'owner', contract: { scope: 'ok', definition_of_done: ['done'] } } });
        ids.assignments = a.body.assignment_id;
      }
      const path = fillPath(r, ids);
      if (!path) continue;
      const res = await api(r.method, path, { body: validBody(r) });
      if (res.status >= 300) failures.push(`${routeKey(r)}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    report(failures);
  });
});
