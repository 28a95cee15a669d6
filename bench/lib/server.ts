import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppDeps } from '../../packages/server/src/app.js';
import { bootstrap } from '../../packages/server/src/bootstrap.js';
import { RealClock } from '../../packages/server/src/clock.js';
import { openDatabase, type Database } from '../../packages/server/src/store/db.js';

export const HOST = '127.0.0.1';
export const ROOT_KEY = 'ab_bench_root_key_0123456789abcdef';

export interface BenchServer {
  app: App;
  database: Database;
  clock: RealClock;
  dir: string;
  /** Starts listening on a loopback port (routes added before this are served). */
  listen(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The production wiring: a SQLite file with the default durability (synchronous=FULL, WAL),
 * the real clock, the default rate limiter, no request logging. Nothing is started here, so a
 * benchmark can seed the database first and then call `app.start()` itself.
 */
export async function createBenchServer(extra: Partial<AppDeps> = {}): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'aetherboard-bench-'));
  const database = await openDatabase({ file: join(dir, 'aetherboard.db') });
  const clock = new RealClock();
  await bootstrap(database, clock, ROOT_KEY);
  const app = createApp({ database, clock, logger: false, ...extra });
  return {
    app,
    database,
    clock,
    dir,
    listen: async () => {
      await app.http.listen({ port: 0, host: HOST });
      const addr = app.http.server.address();
      if (!addr || typeof addr !== 'object') throw new Error('server has no address');
      return addr.port;
    },
    close: async () => {
      await app.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh directory for a baseline database, removed by the returned function. */
export function scratchDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'aetherboard-bench-base-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
