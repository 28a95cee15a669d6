import { sql, type Kysely } from 'kysely';
import type { Heartbeat } from '@aetherboard/contracts';
import type { Database } from './db.js';
import type { AgentRow } from './agents.js';
import type { DB } from './tables.js';
import { iso, isoOrNull } from './codec.js';

export interface BeatRow {
  workspace_id: string;
  agent_id: string;
  received_at: number;
  emitted_at: number | null;
  status: string;
  work_mode: string;
  active_assignment_id: string | null;
  queue_depth: number | null;
  error_count_1h: number | null;
  latency_p95_ms: number | null;
  token_burn_1h: number | null;
  summary: string | null;
}

/** The agent columns a heartbeat may change; state and metadata are never touched here. */
export interface LivenessUpdate {
  workspace_id: string;
  agent_id: string;
  last_seen_at: number;
  last_status: string;
  last_work_mode: string;
  last_summary: string | null;
  queue_depth: number | null;
  token_burn_1h: number | null;
  latency_p95_ms: number | null;
  error_count: number;
  blocked_since: number | null;
  next_deadline: number | null;
  health_reason: string | null;
}

export const agentKey = (ws: string, id: string): string => `${ws}\u0000${id}`;

/**
 * The heartbeat hot path, one implementation per database. `ingest` reads the agents, lets the
 * caller decide, and writes beats plus agent updates in ONE transaction: one fsync for the batch.
 */
export interface HeartbeatStore {
  ingest(keys: Array<[string, string]>, decide: (agents: Map<string, AgentRow>) => { beats: BeatRow[]; updates: LivenessUpdate[] }): Promise<void>;
}

export function heartbeatStore(database: Database): HeartbeatStore {
  return database.dialect === 'sqlite' ? sqliteStore(database) : postgresStore(database);
}

const UPDATE_COLS = [
  'last_seen_at',
  'last_status',
  'last_work_mode',
  'last_summary',
  'queue_depth',
  'token_burn_1h',
  'latency_p95_ms',
  'error_count',
  'blocked_since',
  'next_deadline',
  'health_reason',
] as const;
const BEAT_COLS = [
  'workspace_id',
  'agent_id',
  'received_at',
  'emitted_at',
  'status',
  'work_mode',
  'active_assignment_id',
  'queue_depth',
  'error_count_1h',
  'latency_p95_ms',
  'token_burn_1h',
  'summary',
] as const;

/**
 * Turns a raw row (an array in column order) into an object literal of a fixed shape. better-sqlite3
 * builds its row objects one property at a time, which for the 48 agent columns costs more than
 * the query itself and leaves a slow dictionary-mode object behind for every later read and copy.
 */
function rowBuilder<T>(columns: string[]): (r: unknown[]) => T {
  // Column names come from the schema, never from input; JSON.stringify quotes them safely.
  return new Function('r', `return {${columns.map((c, i) => `${JSON.stringify(c)}: r[${i}]`).join(', ')}};`) as (r: unknown[]) => T;
}

function sqliteStore(database: Database): HeartbeatStore {
  const raw = database.sqlite!;
  const select = raw.prepare('SELECT * FROM agents WHERE workspace_id = ? AND agent_id = ?').raw(true);
  const toAgentRow = rowBuilder<AgentRow>(select.columns().map((c) => c.name));
  const insert = raw.prepare(`INSERT INTO heartbeats (${BEAT_COLS.join(', ')}) VALUES (${BEAT_COLS.map(() => '?').join(', ')})`);
  const update = raw.prepare(`UPDATE agents SET ${UPDATE_COLS.map((c) => `${c} = ?`).join(', ')} WHERE workspace_id = ? AND agent_id = ?`);
  // Positional binding spelled out (in BEAT_COLS and UPDATE_COLS order): no per-row arrays or
  // closures on the hottest loop of the server.
  const write = raw.transaction((beats: BeatRow[], updates: LivenessUpdate[]) => {
    for (const b of beats) {
      insert.run(b.workspace_id, b.agent_id, b.received_at, b.emitted_at, b.status, b.work_mode, b.active_assignment_id, b.queue_depth, b.error_count_1h, b.latency_p95_ms, b.token_burn_1h, b.summary);
    }
    for (const u of updates) {
      update.run(
        u.last_seen_at,
        u.last_status,
        u.last_work_mode,
        u.last_summary,
        u.queue_depth,
        u.token_burn_1h,
        u.latency_p95_ms,
        u.error_count,
        u.blocked_since,
        u.next_deadline,
        u.health_reason,
        u.workspace_id,
        u.agent_id,
      );
    }
  });
  return {
    async ingest(keys, decide) {
      // Holding Kysely's only connection keeps every other query out while this runs synchronously.
      await database.db.connection().execute(async () => {
        const agents = new Map<string, AgentRow>();
        for (const [ws, id] of keys) {
          const k = agentKey(ws, id);
          if (agents.has(k)) continue;
          const r = select.get(ws, id) as unknown[] | undefined;
          if (r) agents.set(k, toAgentRow(r));
        }
        const { beats, updates } = decide(agents);
        if (beats.length > 0 || updates.length > 0) write(beats, updates);
      });
    },
  };
}

function postgresStore(database: Database): HeartbeatStore {
  const db = database.db;
  const CHUNK = 5000;
  return {
    async ingest(keys, decide) {
      const unique = [...new Map(keys.map(([ws, id]) => [agentKey(ws, id), [ws, id] as [string, string]])).values()].sort((a, b) =>
        a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1,
      );
      await db.transaction().execute(async (tx) => {
        const agents = new Map<string, AgentRow>();
        for (let i = 0; i < unique.length; i += CHUNK) {
          const part = unique.slice(i, i + CHUNK);
          // Rows are locked in key order so that concurrent batches never deadlock.
          const rows = await sql<AgentRow>`
            SELECT a.* FROM agents a
            JOIN unnest(${part.map((p) => p[0])}::text[], ${part.map((p) => p[1])}::text[]) AS k(ws, id)
              ON a.workspace_id = k.ws AND a.agent_id = k.id
            ORDER BY a.workspace_id, a.agent_id
            FOR UPDATE OF a`.execute(tx);
          for (const r of rows.rows) agents.set(agentKey(r.workspace_id, r.agent_id), r);
        }
        const { beats, updates } = decide(agents);
        for (let i = 0; i < beats.length; i += CHUNK) await insertBeatsPg(tx, beats.slice(i, i + CHUNK));
        for (let i = 0; i < updates.length; i += CHUNK) await updateAgentsPg(tx, updates.slice(i, i + CHUNK));
      });
    },
  };
}

const col = <T>(rows: T[], k: keyof T) => rows.map((r) => r[k]);

async function insertBeatsPg(tx: Kysely<DB>, b: BeatRow[]): Promise<void> {
  await sql`
    INSERT INTO heartbeats (${sql.raw(BEAT_COLS.join(', '))})
    SELECT * FROM unnest(
      ${col(b, 'workspace_id')}::text[], ${col(b, 'agent_id')}::text[], ${col(b, 'received_at')}::bigint[], ${col(b, 'emitted_at')}::bigint[],
      ${col(b, 'status')}::text[], ${col(b, 'work_mode')}::text[], ${col(b, 'active_assignment_id')}::text[], ${col(b, 'queue_depth')}::int[],
      ${col(b, 'error_count_1h')}::int[], ${col(b, 'latency_p95_ms')}::int[], ${col(b, 'token_burn_1h')}::int[], ${col(b, 'summary')}::text[])`.execute(tx);
}

async function updateAgentsPg(tx: Kysely<DB>, u: LivenessUpdate[]): Promise<void> {
  await sql`
    UPDATE agents a SET
      last_seen_at = v.last_seen_at, last_status = v.last_status, last_work_mode = v.last_work_mode, last_summary = v.last_summary,
      queue_depth = v.queue_depth, token_burn_1h = v.token_burn_1h, latency_p95_ms = v.latency_p95_ms, error_count = v.error_count,
      blocked_since = v.blocked_since, next_deadline = v.next_deadline, health_reason = v.health_reason
    FROM unnest(
      ${col(u, 'workspace_id')}::text[], ${col(u, 'agent_id')}::text[], ${col(u, 'last_seen_at')}::bigint[], ${col(u, 'last_status')}::text[],
      ${col(u, 'last_work_mode')}::text[], ${col(u, 'last_summary')}::text[], ${col(u, 'queue_depth')}::int[], ${col(u, 'token_burn_1h')}::int[],
      ${col(u, 'latency_p95_ms')}::int[], ${col(u, 'error_count')}::int[], ${col(u, 'blocked_since')}::bigint[], ${col(u, 'next_deadline')}::bigint[],
      ${col(u, 'health_reason')}::text[]
    ) AS v(workspace_id, agent_id, last_seen_at, last_status, last_work_mode, last_summary, queue_depth, token_burn_1h, latency_p95_ms,
           error_count, blocked_since, next_deadline, health_reason)
    WHERE a.workspace_id = v.workspace_id AND a.agent_id = v.agent_id`.execute(tx);
}

export async function listHeartbeats(db: Kysely<DB>, ws: string, agentId: string, f: { before?: number; limit: number }) {
  let q = db.selectFrom('heartbeats').selectAll().where('workspace_id', '=', ws).where('agent_id', '=', agentId);
  if (f.before !== undefined) q = q.where('seq', '<', f.before);
  return q.orderBy('seq', 'desc').limit(f.limit + 1).execute();
}

/** Retention: raw beats older than the cut-off go, in bounded batches so a tick stays short. */
export async function deleteHeartbeatsBefore(database: Database, cutoff: number, batch: number): Promise<number> {
  const db = database.db;
  const r = await db
    .deleteFrom('heartbeats')
    .where('seq', 'in', (eb) => eb.selectFrom('heartbeats').select('seq').where('received_at', '<', cutoff).orderBy('received_at').limit(batch))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

export function toHeartbeat(r: { seq: number; agent_id: string } & Omit<BeatRow, 'workspace_id' | 'agent_id'>): Heartbeat {
  return {
    heartbeat_id: String(r.seq),
    agent_id: r.agent_id,
    received_at: iso(r.received_at),
    emitted_at: isoOrNull(r.emitted_at),
    status: r.status as Heartbeat['status'],
    work_mode: r.work_mode as Heartbeat['work_mode'],
    active_assignment_id: r.active_assignment_id,
    queue_depth: r.queue_depth,
    error_count_1h: r.error_count_1h,
    latency_p95_ms: r.latency_p95_ms,
    token_burn_1h: r.token_burn_1h,
    summary: r.summary,
  };
}
