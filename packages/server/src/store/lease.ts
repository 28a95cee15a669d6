import { sql, type Kysely } from 'kysely';
import type { Database } from './db.js';
import type { DB } from './tables.js';

/** Milliseconds on the database server's own clock: one clock for every replica. */
const DB_NOW = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export class FencedOut extends Error {
  constructor(holder: string) {
    super(`engine lease lost by ${holder}; another replica leads now`);
    this.name = 'FencedOut';
  }
}

/** Checked at the start of every engine transaction; a paused old leader fails it and rolls back. */
export interface Fence {
  check(tx: Kysely<DB>): Promise<void>;
}

/**
 * Leadership of the engine through PostgreSQL itself: a lease row with an expiry and an epoch
 * that grows with every change of holder. The epoch is the fencing token: engine transactions
 * take a share lock on the lease row and proceed only if it still names this holder and epoch,
 * so a leader that was paused past its lease cannot write after a successor took over.
 */
export class EngineLease implements Fence {
  epoch: number | null = null;

  constructor(
    private readonly database: Database,
    readonly holder: string,
    readonly ttlMs: number,
  ) {}

  /** Takes the lease if it is free or expired, renews it if held; true while this replica leads. */
  async acquire(): Promise<boolean> {
    // Never wait long behind a lock on the lease row (a dying leader's transaction): try again next tick.
    const r = await this.database.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL lock_timeout = '500ms'`.execute(tx);
      return sql<{ epoch: number }>`
      INSERT INTO leases (name, holder, epoch, expires_at) VALUES ('engine', ${this.holder}, 1, ${DB_NOW} + ${this.ttlMs})
      ON CONFLICT (name) DO UPDATE SET
        epoch = CASE WHEN leases.holder = EXCLUDED.holder AND leases.expires_at > ${DB_NOW} THEN leases.epoch ELSE leases.epoch + 1 END,
        holder = EXCLUDED.holder,
        expires_at = EXCLUDED.expires_at
      WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= ${DB_NOW}
      RETURNING epoch`.execute(tx);
    }).catch((err: { code?: string }) => {
      if (err.code === '55P03') return { rows: [] as Array<{ epoch: number }> };
      throw err;
    });
    const row = r.rows[0];
    this.epoch = row ? Number(row.epoch) : null;
    return this.epoch !== null;
  }

  async check(tx: Kysely<DB>): Promise<void> {
    if (this.epoch === null) throw new FencedOut(this.holder);
    const r = await sql`
      SELECT 1 FROM leases WHERE name = 'engine' AND holder = ${this.holder} AND epoch = ${this.epoch} AND expires_at > ${DB_NOW}
      FOR SHARE`.execute(tx);
    if (r.rows.length === 0) {
      this.epoch = null;
      throw new FencedOut(this.holder);
    }
  }

  async release(): Promise<void> {
    if (this.epoch === null) return;
    await sql`UPDATE leases SET expires_at = 0 WHERE name = 'engine' AND holder = ${this.holder} AND epoch = ${this.epoch}`.execute(this.database.db);
    this.epoch = null;
  }
}
