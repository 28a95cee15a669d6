import { Kysely, Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from '../db.js';
import { foundation } from './0001-foundation.js';
import { liveness } from './0002-liveness.js';
import { invocations } from './0003-invocations.js';
import { integrations } from './0004-integrations.js';
import { governance } from './0005-governance.js';
import { scaleOut } from './0006-scale-out.js';
import { heartbeatChains } from './0007-heartbeat-chains.js';
import { summaryIndexes } from './0008-summary-indexes.js';
import type { MigrationFactory } from './kit.js';

/**
 * Versioned migrations, applied in name order at start. Types are chosen to mean the same on both
 * databases: BIGINT epoch milliseconds (INTEGER affinity in SQLite), TEXT JSON, DOUBLE PRECISION.
 * A migration, once released, is never edited: add the next file and list it here.
 */
const MIGRATIONS: Array<[string, MigrationFactory]> = [
  ['0001_foundation', foundation],
  ['0002_liveness', liveness],
  ['0003_invocations', invocations],
  ['0004_integrations', integrations],
  ['0005_governance', governance],
  ['0006_scale_out', scaleOut],
  ['0007_heartbeat_chains', heartbeatChains],
  ['0008_summary_indexes', summaryIndexes],
];

/** Applies every migration (or those up to and including `upTo`, for upgrade tests). */
export async function migrate(db: Kysely<unknown>, dialect: Dialect, schema?: string, upTo?: string): Promise<void> {
  const all: Record<string, Migration> = Object.fromEntries(MIGRATIONS.map(([name, f]) => [name, f(dialect)]));
  const provider: MigrationProvider = { getMigrations: async () => all };
  const migrator = new Migrator({ db, provider, migrationTableName: 'aetherboard_migrations', migrationLockTableName: 'aetherboard_migrations_lock',
    // Kysely looks for its tables by schema; without it, another schema's tables look like ours.
    ...(schema ? { migrationTableSchema: schema } : {}),
    // Versions developed side by side may land out of number order; each still runs exactly once.
    allowUnorderedMigrations: true,
  });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
