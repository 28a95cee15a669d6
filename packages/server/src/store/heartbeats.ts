import { sql, type Kysely, type Selectable } from 'kysely';
import type { Heartbeat } from '@aetherboard/contracts';
import type { Database } from './db.js';
import type { AgentRow } from './agents.js';
import type { DB, HeartbeatsTable } from './tables.js';
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

/** The agent columns a beat rewrites. */
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

/** The agent columns the heartbeat path reads: what decides health, plus what a beat rewrites. */
export const LIVENESS_COLS = [
  'workspace_id',
  'agent_id',
  'agent_name',
  'health',
  'current_state',
  'state_changed_at',
  'priority_tier',
  'monitor_since',
  'breach_times',
  'degraded_times',
  ...UPDATE_COLS,
  'last_beat_seq',
] as const;
export type LivenessRow = Pick<AgentRow, (typeof LIVENESS_COLS)[number]>;

/** How many agents' liveness rows the SQLite heartbeat path keeps in memory (about 0.5 kB each). */
export const LIVENESS_CACHE_MAX = 200_000;

/**
 * The heartbeat hot path, one implementation per database. `ingest` reads the agents, lets the
 * caller decide, and writes beats plus agent updates in ONE transaction: one fsync for the batch.
 */
export interface HeartbeatStore {
  ingest(keys: Array<[string, string]>, decide: (agents: Map<string, LivenessRow>) => { beats: BeatRow[]; updates: LivenessUpdate[] }): Promise<void>;
}

// One store per SQLite connection: its cache is kept current by a function registered on that
// connection, which a second store would replace.
const sqliteStores = new WeakMap<object, HeartbeatStore>();

export function heartbeatStore(database: Database): HeartbeatStore {
  if (database.dialect !== 'sqlite') return postgresStore(database);
  let store = sqliteStores.get(database.sqlite!);
  if (!store) {
    store = sqliteStore(database);
    sqliteStores.set(database.sqlite!, store);
  }
  return store;
}

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
  const select = raw.prepare(`SELECT ${LIVENESS_COLS.join(', ')} FROM agents WHERE workspace_id = ? AND agent_id = ?`).raw(true);
  const toRow = rowBuilder<LivenessRow>([...LIVENESS_COLS]);
  const insert = raw.prepare(`INSERT INTO heartbeats (${BEAT_COLS.join(', ')}, prev_seq) VALUES (${BEAT_COLS.map(() => '?').join(', ')}, ?)`);
  const update = raw.prepare(`UPDATE agents SET ${UPDATE_COLS.map((c) => `${c} = ?`).join(', ')}, last_beat_seq = ? WHERE workspace_id = ? AND agent_id = ?`);

  // Liveness rows of agents that beat recently, so that a beat costs no read. Every other change
  // to an agent row, by any code path on this connection, evicts it through a trigger; a commit
  // by another connection to the file (PRAGMA data_version moves) empties it.
  const cache = new Map<string, LivenessRow>();
  raw.function('aetherboard_agent_changed', { deterministic: false }, (ws: unknown, id: unknown) => {
    cache.delete(agentKey(String(ws), String(id)));
    return null;
  });
  // An agent's key never changes (nothing updates workspace_id or agent_id), so OLD names the row.
  raw.exec(`CREATE TEMP TRIGGER IF NOT EXISTS aetherboard_agent_updated AFTER UPDATE ON main.agents
    BEGIN SELECT aetherboard_agent_changed(OLD.workspace_id, OLD.agent_id); END`);
  raw.exec(`CREATE TEMP TRIGGER IF NOT EXISTS aetherboard_agent_deleted AFTER DELETE ON main.agents
    BEGIN SELECT aetherboard_agent_changed(OLD.workspace_id, OLD.agent_id); END`);
  const versionStmt = raw.prepare('PRAGMA data_version').pluck();
  const dataVersion = () => versionStmt.get() as number;
  let seenVersion = dataVersion();

  // Positional binding spelled out (in BEAT_COLS and UPDATE_COLS order): no per-row arrays or
  // closures on the hottest loop of the server. Each beat links to its agent's previous one; the
  // agent row then points at the newest (see migration 0007).
  const write = raw.transaction((beats: BeatRow[], updates: LivenessUpdate[], heads: Map<string, number | null>) => {
    for (const b of beats) {
      const k = agentKey(b.workspace_id, b.agent_id);
      const info = insert.run(
        b.workspace_id,
        b.agent_id,
        b.received_at,
        b.emitted_at,
        b.status,
        b.work_mode,
        b.active_assignment_id,
        b.queue_depth,
        b.error_count_1h,
        b.latency_p95_ms,
        b.token_burn_1h,
        b.summary,
        heads.get(k) ?? null,
      );
      heads.set(k, Number(info.lastInsertRowid));
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
        heads.get(agentKey(u.workspace_id, u.agent_id)) ?? null,
        u.workspace_id,
        u.agent_id,
      );
    }
  });
  return {
    async ingest(keys, decide) {
      // Holding Kysely's only connection keeps every other query out while this runs synchronously.
      await database.db.connection().execute(async () => {
        const version = dataVersion();
        if (version !== seenVersion) {
          cache.clear();
          seenVersion = version;
        }
        const agents = new Map<string, LivenessRow>();
        for (const [ws, id] of keys) {
          const k = agentKey(ws, id);
          if (agents.has(k)) continue;
          let row = cache.get(k);
          if (!row) {
            const r = select.get(ws, id) as unknown[] | undefined;
            if (r) row = toRow(r);
          }
          if (row) agents.set(k, row);
        }
        const { beats, updates } = decide(agents);
        if (beats.length === 0 && updates.length === 0) return;
        const heads = new Map<string, number | null>();
        for (const [k, row] of agents) heads.set(k, row.last_beat_seq);
        // The updates evict these agents (the trigger); once committed, their new rows go back in.
        write(beats, updates, heads);
        for (const u of updates) {
          const k = agentKey(u.workspace_id, u.agent_id);
          const row = agents.get(k);
          if (!row) continue;
          applyUpdate(row, u);
          row.last_beat_seq = heads.get(k) ?? null;
          if (cache.size >= LIVENESS_CACHE_MAX) cache.delete(cache.keys().next().value!);
          cache.set(k, row);
        }
      });
    },
  };
}

function applyUpdate(row: LivenessRow, u: LivenessUpdate): void {
  row.last_seen_at = u.last_seen_at;
  row.last_status = u.last_status;
  row.last_work_mode = u.last_work_mode;
  row.last_summary = u.last_summary;
  row.queue_depth = u.queue_depth;
  row.token_burn_1h = u.token_burn_1h;
  row.latency_p95_ms = u.latency_p95_ms;
  row.error_count = u.error_count;
  row.blocked_since = u.blocked_since;
  row.next_deadline = u.next_deadline;
  row.health_reason = u.health_reason;
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
        const agents = new Map<string, LivenessRow>();
        for (let i = 0; i < unique.length; i += CHUNK) {
          const part = unique.slice(i, i + CHUNK);
          // Rows are locked in key order so that concurrent batches never deadlock.
          const rows = await sql<LivenessRow>`
            SELECT ${sql.raw(LIVENESS_COLS.map((c) => `a.${c}`).join(', '))} FROM agents a
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

type StoredBeat = Selectable<HeartbeatsTable>;

/** An agent's beats, newest first, older than the `before` cursor (a beat's seq) when given. */
export async function listHeartbeats(database: Database, ws: string, agentId: string, f: { before?: number; limit: number }): Promise<StoredBeat[]> {
  const db = database.db;
  if (database.dialect === 'postgres') {
    let q = db.selectFrom('heartbeats').selectAll().where('workspace_id', '=', ws).where('agent_id', '=', agentId);
    if (f.before !== undefined) q = q.where('seq', '<', f.before);
    return q.orderBy('seq', 'desc').limit(f.limit + 1).execute();
  }
  // SQLite: walk the agent's chain back from its newest beat, or from the beat before the cursor.
  let start: number | null;
  if (f.before === undefined) {
    const a = await db.selectFrom('agents').select('last_beat_seq').where('workspace_id', '=', ws).where('agent_id', '=', agentId).executeTakeFirst();
    start = a?.last_beat_seq ?? null;
  } else {
    const c = await db.selectFrom('heartbeats').select('prev_seq').where('seq', '=', f.before).where('workspace_id', '=', ws).where('agent_id', '=', agentId).executeTakeFirst();
    start = c?.prev_seq ?? null;
  }
  if (start === null) return [];
  const r = await sql<StoredBeat>`
    WITH RECURSIVE chain(seq, n) AS (
      SELECT ${start}, 1
      UNION ALL
      SELECT h.prev_seq, chain.n + 1 FROM chain JOIN heartbeats h ON h.seq = chain.seq
      WHERE h.prev_seq IS NOT NULL AND chain.n <= ${f.limit}
    )
    SELECT h.* FROM chain JOIN heartbeats h ON h.seq = chain.seq
    WHERE h.workspace_id = ${ws} AND h.agent_id = ${agentId}
    ORDER BY h.seq DESC`.execute(db);
  return r.rows;
}

/**
 * Retention: raw beats older than the cut-off go, at most `batch` per call so a tick stays short.
 * SQLite takes them from the front of the table in rowid order (receive times grow with it), so
 * it never scans rows it keeps; PostgreSQL drops whole daily partitions first (see partitions.ts).
 */
export async function deleteHeartbeatsBefore(database: Database, cutoff: number, batch: number): Promise<number> {
  const db = database.db;
  if (database.dialect === 'sqlite') {
    const r = await sql`
      DELETE FROM heartbeats WHERE seq IN (
        SELECT seq FROM (SELECT seq, received_at FROM heartbeats ORDER BY seq LIMIT ${batch}) WHERE received_at < ${cutoff})`.execute(db);
    return Number(r.numAffectedRows ?? 0);
  }
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
