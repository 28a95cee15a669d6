import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { destination, pino } from 'pino';
import { createApp, type App } from '../app.js';
import { bootstrap } from '../bootstrap.js';
import { ManualClock, RealClock, type Clock } from '../clock.js';
import { dropSchema, openDatabase, type Database } from '../store/db.js';

export type Dialect = 'sqlite' | 'postgres';

export const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG_ENABLED = Boolean(process.env.CI || process.env.DATABASE_URL);
let warned = false;

/** SQLite always; PostgreSQL when CI is set or DATABASE_URL is given (and says so when it skips). */
export function dialects(): Dialect[] {
  if (!PG_ENABLED && !warned) {
    warned = true;
    process.stderr.write('note: PostgreSQL variants skipped (set CI=1 or DATABASE_URL to run them)\n');
  }
  return PG_ENABLED ? ['sqlite', 'postgres'] : ['sqlite'];
}

export const ROOT_KEY = 'ab_test_root_key_0123456789abcdef';
export const T0 = Date.parse('2026-01-05T09:00:00.000Z');

export interface TestDb {
  database: Database;
  cleanup(): Promise<void>;
}

let schemaSeq = 0;
let swept: Promise<void> | null = null;
/** Test schemas older than this were left by a run that was killed before its cleanup. */
const STALE_SCHEMA_MS = 6 * 60 * 60 * 1000;

/** Drops the schemas of test runs that died before dropping their own (once per test process). */
async function sweepStaleSchemas(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    const r = await admin.query<{ name: string }>(`SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE 't\\_%'`);
    for (const { name } of r.rows) {
      const made = parseInt(/^t_\d+_([0-9a-z]+)_\d+$/.exec(name)?.[1] ?? '', 36);
      if (Number.isFinite(made) && Date.now() - made > STALE_SCHEMA_MS) await dropSchema(PG_URL, name).catch(() => undefined);
    }
  } finally {
    await admin.end();
  }
}

export async function openTestDb(dialect: Dialect): Promise<TestDb> {
  if (dialect === 'postgres') {
    swept ??= sweepStaleSchemas();
    await swept;
    const schema = `t_${process.pid}_${Date.now().toString(36)}_${++schemaSeq}`;
    const database = await openDatabase({ databaseUrl: PG_URL, schema, poolSize: 5 });
    return {
      database,
      cleanup: async () => {
        await database.close();
        await dropSchema(PG_URL, schema);
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'aetherboard-test-'));
  const database = await openDatabase({ file: join(dir, 'test.db'), sqliteSync: 'normal' });
  return {
    database,
    cleanup: async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestServer {
  app: App;
  url: string;
  clock: Clock;
  database: Database;
  rootKey: string;
  api: Api;
  close(): Promise<void>;
}

export interface ApiResponse<T = any> {// eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  body: T;
  headers: Headers;
}

export type Api = <T = any>(method: string, path: string, opts?: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> }) => Promise<ApiResponse<T>>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Starts the real app on a loopback port, on a real database, with the manual clock by default. */
export async function startTestServer(dialect: Dialect, opts: { clock?: 'manual' | 'real'; rateLimitPerSecond?: number } = {}): Promise<TestServer> {
  const tdb = await openTestDb(dialect);
  const clock: Clock = opts.clock === 'real' ? new RealClock() : new ManualClock(T0);
  await bootstrap(tdb.database, clock, ROOT_KEY);
  // 5xx are bugs: their stack traces go to stderr so a failing test shows why.
  const app = createApp({ database: tdb.database, clock, logger: pino({ level: 'error' }, destination(2)), rateLimitPerSecond: opts.rateLimitPerSecond ?? 0 });
  await app.start();
  await app.http.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.http.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const api = makeApi(url, ROOT_KEY);
  return {
    app,
    url,
    clock,
    database: tdb.database,
    rootKey: ROOT_KEY,
    api,
    close: async () => {
      await app.close();
      await tdb.cleanup();
    },
  };
}

export function makeApi(url: string, defaultKey: string | null): Api {
  return async (method, path, opts = {}) => {
    const key = opts.key === undefined ? defaultKey : opts.key;
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (key) headers.authorization = `Bearer ${key}`;
    let payload: string | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(url + path, { method, headers, body: payload });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // leave as text
    }
    return { status: res.status, body: body as never, headers: res.headers };
  };
}

/** A small org: a manager, a pod lead, an owner, a pod; returns ids for agents to use. */
export async function seedOrg(api: Api): Promise<{ manager: string; lead: string; owner: string; pod: string }> {
  const mk = async (member_id: string, name: string) => {
    const r = await api('POST', '/api/members', { body: { member_id, name, kind: 'human' } });
    if (r.status !== 201) throw new Error(`seed member: ${r.status} ${JSON.stringify(r.body)}`);
  };
  await mk('mgr', 'Morgan Manager');
  await mk('lead', 'Lee Lead');
  await mk('owner', 'Olive Owner');
  const p = await api('POST', '/api/pods', { body: { pod_id: 'pod-a', name: 'Pod A', team_id: 'platform', lead_id: 'lead' } });
  if (p.status !== 201) throw new Error(`seed pod: ${p.status} ${JSON.stringify(p.body)}`);
  await api('PUT', '/api/org', { body: { manager_id: 'mgr' } });
  return { manager: 'mgr', lead: 'lead', owner: 'owner', pod: 'pod-a' };
}

export function agentBody(agent_id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    agent_id,
    agent_name: agent_id,
    agent_type: 'specialist',
    capability_tags: ['codegen'],
    model_profile: 'fast',
    owner_id: 'owner',
    team_id: 'platform',
    pod_id: 'pod-a',
    priority_tier: 'P0',
    risk_level: 'low',
    ...extra,
  };
}
