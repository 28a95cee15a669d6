import { sql, type Kysely, type Selectable } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { Heartbeat, HeartbeatBody } from '@aetherboard/contracts';
import { applyBeat } from '../domain/heartbeat.js';
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

/** A beat to store, with the row of its agent as this batch leaves it (whose `last_beat_seq` heads the chain). */
export interface NewBeat extends BeatRow {
  agent: LivenessRow;
}

/**
 * An agent's liveness row as a batch of beats leaves it: only the columns in UPDATE_COLS (and the
 * chain head) are written; state and metadata are never touched here.
 */
export interface LivenessUpdate {
  row: LivenessRow;
  /** The row may be written after the beat's own transaction (see sqliteStore). */
  defer: boolean;
}

/** Who a beat is for. */
export interface BeatKey {
  ws: string;
  agentId: string;
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
 * The heartbeat hot path, one implementation per database. `ingest` reads the agents (`rows[i]` is
 * the row of `keys[i]`, the same object for the same agent, undefined when there is none), lets
 * the caller decide, and writes beats plus agent updates in ONE transaction: one fsync for the
 * batch. The caller must not change the rows it is given; it returns new ones in `updates`.
 */
export interface HeartbeatStore {
  ingest(keys: readonly BeatKey[], decide: (rows: ReadonlyArray<LivenessRow | undefined>) => { beats: NewBeat[]; updates: LivenessUpdate[] }): Promise<void>;
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

/** Beats per INSERT statement: fewer calls into SQLite, each binding a few hundred values. */
const INSERT_ROWS = 25;

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
/** What each stored beat binds: its seq, the columns, and the link to its agent's previous beat. */
const BEAT_ARGS = ['seq', ...BEAT_COLS, 'prev_seq'] as const;

/**
 * Turns a raw row (an array in column order) into an object literal of a fixed shape. better-sqlite3
 * builds its row objects one property at a time, which for the 48 agent columns costs more than
 * the query itself and leaves a slow dictionary-mode object behind for every later read and copy.
 */
function rowBuilder<T>(columns: string[]): (r: unknown[]) => T {
  // Column names come from the schema, never from input; JSON.stringify quotes them safely.
  return new Function('r', `return {${columns.map((c, i) => `${JSON.stringify(c)}: r[${i}]`).join(', ')}};`) as (r: unknown[]) => T;
}

/** How long, at most, the agent row of a beat may wait to be written after the beat itself. */
export const LIVENESS_FLUSH_MS = 1_000;
/** Agent rows per transaction when held-back writes are flushed in the background. */
const FLUSH_CHUNK = 5_000;
/** Meta key: every beat up to this seq is reflected in its agent's row (crash recovery starts after it). */
export const LIVENESS_APPLIED_KEY = 'liveness_applied_seq';
/** What only heartbeats write: a held-back write that meets another writer's change keeps to these. */
const TELEMETRY_COLS = ['last_seen_at', 'last_status', 'last_work_mode', 'last_summary', 'queue_depth', 'token_burn_1h', 'latency_p95_ms', 'error_count'] as const;

/**
 * The SQLite heartbeat path. A beat's transaction always stores the beat itself: that is what is
 * acknowledged, and it is durable before the 2xx. The agent row is written in the same transaction
 * only when the beat may change what the engine decides (health, state, alerts) or needs the
 * engine sooner; otherwise — the steady state of a healthy fleet — the new row is held back in
 * memory and written later, many beats of an agent folded into one write, a whole fleet's rows in
 * one key-ordered pass, at most LIVENESS_FLUSH_MS after the beat. A beat transaction then appends
 * a page or two to the history instead of dirtying one page of the agents table per agent.
 *
 * Nobody sees a row older than its beats: every query that reads or writes agents or heartbeats
 * through Kysely (and every transaction) first flushes what is held back (Database.heldWrites).
 * The engine's deadline lookups skip that flush on purpose: a held-back row only ever moves its
 * agent's deadline later, so the stored one is early at worst, and the engine then re-reads the
 * agent (flushing it) and finds nothing due. After a crash the held-back rows are rebuilt at
 * start-up from the beats stored after the last flush (`recover`).
 */
function sqliteStore(database: Database): HeartbeatStore {
  const raw = database.sqlite!;
  const select = raw.prepare(`SELECT ${LIVENESS_COLS.join(', ')} FROM agents WHERE workspace_id = ? AND agent_id = ?`).raw(true);
  const toRow = rowBuilder<LivenessRow>([...LIVENESS_COLS]);
  const update = raw.prepare(`UPDATE agents SET ${UPDATE_COLS.map((c) => `${c} = ?`).join(', ')}, last_beat_seq = ? WHERE workspace_id = ? AND agent_id = ?`);
  // Positional binding spelled out, in UPDATE_COLS order: no per-row arrays on the hot path.
  const writeRow = (r: LivenessRow) =>
    update.run(
      r.last_seen_at,
      r.last_status,
      r.last_work_mode,
      r.last_summary,
      r.queue_depth,
      r.token_burn_1h,
      r.latency_p95_ms,
      r.error_count,
      r.blocked_since,
      r.next_deadline,
      r.health_reason,
      r.last_beat_seq,
      r.workspace_id,
      r.agent_id,
    );
  const writeTelemetry = raw.prepare(`UPDATE agents SET ${TELEMETRY_COLS.map((c) => `${c} = ?`).join(', ')}, last_beat_seq = ? WHERE workspace_id = ? AND agent_id = ?`);
  const setApplied = raw.prepare(`INSERT INTO meta (key, value) VALUES ('${LIVENESS_APPLIED_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  const highestSeq = raw.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'heartbeats'`).pluck();

  // Liveness rows of agents that beat recently, so that a beat costs no read.
  const cache = new Map<string, LivenessRow>();
  // Rows newer than their stored copy (each is also the cached row), and those of them another
  // writer changed meanwhile, whose held-back write then keeps to the telemetry columns.
  const held = new Map<string, LivenessRow>();
  const overtaken = new Set<string>();
  // Set while this store writes, so that its own updates do not evict what it just wrote.
  let writing = false;
  // Every other change to an agent row on this connection evicts it through a trigger; a commit by
  // another connection to the file (PRAGMA data_version moves) empties the cache.
  raw.function('aetherboard_agent_changed', { deterministic: false }, (ws: unknown, id: unknown) => {
    if (writing) return null;
    const k = agentKey(String(ws), String(id));
    cache.delete(k);
    if (held.has(k)) overtaken.add(k);
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

  /** Writes held-back rows; `applied`, when given, is recorded as reflected in the agents table. */
  const writeRows = raw.transaction((keys: string[], applied: number | null) => {
    for (const k of keys) {
      const r = held.get(k);
      if (!r) continue;
      if (overtaken.has(k)) {
        writeTelemetry.run(r.last_seen_at, r.last_status, r.last_work_mode, r.last_summary, r.queue_depth, r.token_burn_1h, r.latency_p95_ms, r.error_count, r.last_beat_seq, r.workspace_id, r.agent_id);
      } else {
        writeRow(r);
      }
    }
    if (applied !== null) setApplied.run(String(applied));
  });
  let lastSeq = (highestSeq.get() as number | undefined) ?? 0;
  let appliedSeq = lastSeq;

  function writeHeldRows(keys: string[], applied: number | null): void {
    const moved = dataVersion() !== seenVersion;
    // Another connection wrote to the file: whatever it changed wins over held-back deadlines.
    if (moved) for (const k of held.keys()) overtaken.add(k);
    if (keys.length > 0) {
      writing = true;
      try {
        writeRows(keys, applied !== null && applied > appliedSeq ? applied : null);
      } finally {
        writing = false;
      }
      if (applied !== null && applied > appliedSeq) appliedSeq = applied;
      for (const k of keys) {
        held.delete(k);
        // An overtaken row is stale apart from what was just written: the next beat reads it again.
        if (overtaken.delete(k)) cache.delete(k);
      }
    }
    if (moved) {
      cache.clear();
      seenVersion = dataVersion();
    }
  }

  /**
   * Writes everything held back, now, on the caller's turn of the connection. With nothing held
   * it costs one size check: it runs before every query on agents or heartbeats.
   */
  function flush(): void {
    if (held.size > 0) writeHeldRows([...held.keys()].sort(), lastSeq);
  }

  // In the background, in chunks, so that a large fleet's flush never holds the event loop long.
  let flushing = false;
  const timer = setInterval(() => {
    if (!raw.open) return clearInterval(timer);
    if (flushing || held.size === 0) return;
    flushing = true;
    void (async () => {
      const keys = [...held.keys()].sort();
      const mark = lastSeq;
      for (let i = 0; i < keys.length; i += FLUSH_CHUNK) {
        const last = i + FLUSH_CHUNK >= keys.length;
        await database.db.connection().execute(async () => writeHeldRows(keys.slice(i, i + FLUSH_CHUNK), last ? mark : null));
      }
    })()
      .catch(() => undefined) // closed meanwhile, or the disk refused: the rows stay held and recovery covers a crash
      .finally(() => {
        flushing = false;
      });
  }, LIVENESS_FLUSH_MS);
  timer.unref();
  database.heldWrites!.flush = flush;

  recover();

  /**
   * After a crash, rows that were held back are rebuilt from the beats stored after the last
   * recorded flush: beats are durable before they are acknowledged, rows are derived from them.
   */
  function recover(): void {
    const applied = Number((raw.prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(LIVENESS_APPLIED_KEY) as string | undefined) ?? lastSeq);
    if (applied < lastSeq) {
      const rows = new Map<string, LivenessRow>();
      const beats = raw
        .prepare(`SELECT seq, workspace_id, agent_id, received_at, status, work_mode, summary, queue_depth, token_burn_1h, latency_p95_ms, error_count_1h FROM heartbeats WHERE seq > ? ORDER BY seq`)
        .all(applied) as Array<{ seq: number } & BeatRow>;
      for (const b of beats) {
        const k = agentKey(b.workspace_id, b.agent_id);
        let row = rows.get(k);
        if (!row) {
          const r = select.get(b.workspace_id, b.agent_id) as unknown[] | undefined;
          if (!r) continue;
          rows.set(k, (row = toRow(r)));
        }
        // Rows written with their beat already reflect it.
        if (row.last_beat_seq !== null && b.seq <= row.last_beat_seq) continue;
        applyBeat(row, storedBody(b), b.received_at);
        row.last_beat_seq = b.seq;
      }
      // Telemetry only (as for rows another writer overtook): deadlines are left as stored,
      // earlier than the beats' own, so the engine re-plans them.
      for (const [k, row] of rows) {
        held.set(k, row);
        overtaken.add(k);
      }
      writeHeldRows([...held.keys()].sort(), null);
    }
    // Recorded even when nothing was replayed: a crash before the first flush must find it.
    setApplied.run(String(lastSeq));
    appliedSeq = lastSeq;
  }

  // Beats go in several rows per statement, with their seqs assigned here: this connection is the
  // only writer while the transaction lasts (IMMEDIATE), so the next seq is known, and so each
  // beat's link to its agent's previous one (see migration 0007) needs no read-back.
  const beatsInsert = (n: number) =>
    raw.prepare(`INSERT INTO heartbeats (seq, ${BEAT_COLS.join(', ')}, prev_seq) VALUES ${Array.from({ length: n }, () => `(${BEAT_ARGS.map(() => '?').join(', ')})`).join(', ')}`);
  // One statement (and argument array) per row count, prepared on first use: a commit of any size
  // takes at most one full statement per INSERT_ROWS beats and one for the rest.
  const inserts: Array<{ stmt: BetterSqlite3.Statement; args: unknown[] }> = [];
  const insertFor = (n: number) => (inserts[n] ??= { stmt: beatsInsert(n), args: new Array<unknown>(n * BEAT_ARGS.length) });
  const bind = (args: unknown[], b: NewBeat, seq: number, at: number) => {
    args[at] = seq;
    args[at + 1] = b.workspace_id;
    args[at + 2] = b.agent_id;
    args[at + 3] = b.received_at;
    args[at + 4] = b.emitted_at;
    args[at + 5] = b.status;
    args[at + 6] = b.work_mode;
    args[at + 7] = b.active_assignment_id;
    args[at + 8] = b.queue_depth;
    args[at + 9] = b.error_count_1h;
    args[at + 10] = b.latency_p95_ms;
    args[at + 11] = b.token_burn_1h;
    args[at + 12] = b.summary;
    args[at + 13] = b.agent.last_beat_seq;
    b.agent.last_beat_seq = seq;
  };
  const write = raw.transaction((beats: NewBeat[], updates: LivenessUpdate[]): number => {
    let seq = (highestSeq.get() as number | undefined) ?? 0;
    for (let i = 0; i < beats.length; ) {
      const n = Math.min(INSERT_ROWS, beats.length - i);
      const { stmt, args } = insertFor(n);
      for (let j = 0; j < n; j++) bind(args, beats[i + j]!, ++seq, j * BEAT_ARGS.length);
      stmt.run(args);
      i += n;
    }
    for (const { row: r, defer } of updates) {
      if (defer) continue;
      writeRow(r);
    }
    return seq;
  });
  return {
    async ingest(keys, decide) {
      // Holding Kysely's only connection keeps every other query out while this runs synchronously.
      await database.db.connection().execute(async () => {
        // Rows another writer changed are settled, and another connection's commit empties the cache.
        if (overtaken.size > 0 || dataVersion() !== seenVersion) writeHeldRows([...held.keys()].sort(), lastSeq);
        const rows = new Array<LivenessRow | undefined>(keys.length);
        for (let i = 0; i < keys.length; i++) {
          const { ws, agentId } = keys[i]!;
          const k = agentKey(ws, agentId);
          let row = cache.get(k) ?? held.get(k);
          if (!row) {
            const r = select.get(ws, agentId) as unknown[] | undefined;
            // Cached at once (it is what is stored), so that the same agent gets the same object.
            if (r) remember(k, (row = toRow(r)));
          }
          rows[i] = row;
        }
        const { beats, updates } = decide(rows);
        if (beats.length === 0 && updates.length === 0) return;
        writing = true;
        try {
          lastSeq = Math.max(lastSeq, write.immediate(beats, updates));
        } finally {
          writing = false;
        }
        for (const { row, defer } of updates) {
          const k = agentKey(row.workspace_id, row.agent_id);
          if (defer) held.set(k, row);
          else held.delete(k);
          remember(k, row);
        }
      });
    },
  };

  function remember(k: string, row: LivenessRow): void {
    if (!cache.has(k) && cache.size >= LIVENESS_CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(k, row);
  }
}

/** A stored beat as the body it came in (omitted fields are stored as null). */
function storedBody(b: BeatRow): HeartbeatBody {
  return {
    status: b.status as HeartbeatBody['status'],
    work_mode: b.work_mode as HeartbeatBody['work_mode'],
    ...(b.summary !== null && { summary: b.summary }),
    ...(b.queue_depth !== null && { queue_depth: b.queue_depth }),
    ...(b.token_burn_1h !== null && { token_burn_1h: b.token_burn_1h }),
    ...(b.latency_p95_ms !== null && { latency_p95_ms: b.latency_p95_ms }),
    ...(b.error_count_1h !== null && { error_count_1h: b.error_count_1h }),
  };
}

function postgresStore(database: Database): HeartbeatStore {
  const db = database.db;
  const CHUNK = 5000;
  return {
    async ingest(keys, decide) {
      const unique = [...new Map(keys.map(({ ws, agentId }) => [agentKey(ws, agentId), [ws, agentId] as [string, string]])).values()].sort((a, b) =>
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
        const { beats, updates } = decide(keys.map(({ ws, agentId }) => agents.get(agentKey(ws, agentId))));
        for (let i = 0; i < beats.length; i += CHUNK) await insertBeatsPg(tx, beats.slice(i, i + CHUNK));
        const rows = updates.map((u) => u.row);
        for (let i = 0; i < rows.length; i += CHUNK) await updateAgentsPg(tx, rows.slice(i, i + CHUNK));
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

async function updateAgentsPg(tx: Kysely<DB>, u: LivenessRow[]): Promise<void> {
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
    if (f.before !== undefined) {
      // A cursor is a beat of this agent; any other (another agent's, or one gone with retention) ends the history, as on SQLite.
      const c = await db.selectFrom('heartbeats').select('seq').where('seq', '=', f.before).where('workspace_id', '=', ws).where('agent_id', '=', agentId).executeTakeFirst();
      if (!c) return [];
      q = q.where('seq', '<', f.before);
    }
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
