import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { heartbeatStore } from './heartbeats.js';
import { migrate } from './migrations/index.js';
import { WalSync } from './wal-sync.js';
import type { DB } from './tables.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /** The raw SQLite handle, for the few hot paths that bypass query building. */
  readonly sqlite?: BetterSqlite3.Database;
  readonly pool?: pg.Pool;
  /** PostgreSQL connection string and schema, for connections outside the pool (LISTEN). */
  readonly url?: string;
  readonly schema?: string;
  /**
   * SQLite: agent rows the heartbeat path holds back (see store/heartbeats.ts). `flush` writes them
   * and runs before any query through `db` that reads or writes agents or heartbeats, before every
   * transaction, and on close, so nobody ever sees a row older than its beats.
   */
  readonly heldWrites?: HeldWrites;
  /** Resolves once everything committed so far is on stable storage; see store/wal-sync.ts. */
  durable(): Promise<void>;
  close(): Promise<void>;
}

export interface HeldWrites {
  flush: (() => void) | null;
}

export interface OpenOptions {
  /** PostgreSQL connection string; when absent the embedded SQLite file is used. */
  databaseUrl?: string;
  /** SQLite file path (or ':memory:'). */
  file?: string;
  /** PostgreSQL schema to live in (created when missing); tests use one per run. */
  schema?: string;
  /** SQLite durability: 'full' fsyncs every commit (the default), 'normal' survives process crashes only. */
  sqliteSync?: 'full' | 'normal';
  poolSize?: number;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const database = opts.databaseUrl ? await openPostgres(opts.databaseUrl, opts) : openSqlite(opts.file ?? ':memory:', opts);
  try {
    await migrate(database.db as unknown as Kysely<unknown>, database.dialect, database.schema);
    // Before anything reads an agent: rebuilds rows a crash left behind their beats.
    if (database.dialect === 'sqlite') heartbeatStore(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

function openSqlite(file: string, opts: OpenOptions): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  // 'full' durability is kept by syncing the WAL off the event loop before acknowledging (WalSync).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const heldWrites: HeldWrites = { flush: null };
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: statementCache(sqlite, heldWrites) }) });
  const wal = file !== ':memory:' && opts.sqliteSync !== 'normal' ? new WalSync(`${file}-wal`) : null;
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    heldWrites,
    durable: () => wal?.sync() ?? Promise.resolve(),
    close: async () => {
      // Written now rather than rebuilt from the history at the next start.
      if (sqlite.open) heldWrites.flush?.();
      await wal?.sync().catch(() => undefined);
      await wal?.close();
      await db.destroy();
    },
  };
}

async function openPostgres(url: string, opts: OpenOptions): Promise<Database> {
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => {
      // Times are epoch milliseconds in BIGINT columns; they fit a double exactly.
      if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format as 'text');
    },
  } as pg.CustomTypesConfig;
  if (opts.schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${opts.schema.replace(/"/g, '')}"`);
    } finally {
      await admin.end();
    }
  }
  // A session that dies inside a transaction must not keep its locks (the engine lease row above
  // all): PostgreSQL ends it after 5 s idle in a transaction, and keepalives notice dead peers.
  const options = ['-c idle_in_transaction_session_timeout=5000', ...(opts.schema ? [`-c search_path="${opts.schema.replace(/"/g, '')}"`] : [])].join(' ');
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    types,
    keepAlive: true,
    options,
  });
  // Fail fast with the driver's own words if the server is not there.
  const probe = await pool.connect();
  probe.release();
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    pool,
    url,
    schema: opts.schema,
    // PostgreSQL's own commit is durable (synchronous_commit on) before it answers.
    durable: () => Promise.resolve(),
    close: async () => {
      await db.destroy();
    },
  };
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '')}" CASCADE`);
  } finally {
    await admin.end();
  }
}

export { sql };

/** Prepared statements kept per SQL text (the most recent few hundred). */
const STATEMENT_CACHE = 500;

/** SQL that may see rows the heartbeat path holds back, or that opens a transaction. */
const SEES_HELD_WRITES = /\b(agents|heartbeats)\b|^\s*(begin|savepoint)\b/i;

/**
 * Kysely prepares every query it runs; on SQLite preparing often costs more than running (a
 * primary-key read of a wide row, say). Statements are reused by SQL text instead. Queries run one
 * at a time on the single connection, so a statement is never in use twice at once. Kysely
 * prepares each query just before running it, holding the connection: the moment to flush what
 * the heartbeat path holds back.
 */
function statementCache(sqlite: BetterSqlite3.Database, held: HeldWrites): SqliteDatabase {
  const cache = new Map<string, { stmt: BetterSqlite3.Statement; seesHeld: boolean }>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let entry = cache.get(text);
      if (entry) {
        // Most recently used last, so the oldest is the first to go.
        cache.delete(text);
      } else {
        entry = { stmt: sqlite.prepare(text), seesHeld: SEES_HELD_WRITES.test(text) };
        if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, entry);
      if (entry.seesHeld) held.flush?.();
      return entry.stmt;
    },
  };
}
