import { pino } from 'pino';
import { ManualClock, RealClock, type Clock } from './clock.js';
import { createApp, type App } from './app.js';
import { bootstrap } from './bootstrap.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './store/db.js';

export interface RunningServer {
  app: App;
  database: Database;
  clock: Clock;
  url: string;
  stop(): Promise<void>;
}

/** config → db → createApp → start engine → listen. */
export async function startServer(config: Config, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<RunningServer> {
  const logger = pino({ level: config.logLevel, base: undefined });
  const clock: Clock = config.clock === 'manual' ? new ManualClock(config.clockStart ? Date.parse(config.clockStart) : new RealClock().now()) : new RealClock();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, file: config.db, sqliteSync: config.sqliteSync });
  let app: App | undefined;
  let generatedRootKey: string | null = null;
  try {
    ({ generatedRootKey } = await bootstrap(database, clock, config.rootKey));
    app = createApp({
      database,
      clock,
      logger,
      rateLimitPerSecond: config.rateLimitPerSecond,
      heartbeatRetentionMs: config.heartbeatRetentionDays * 86_400_000,
      engineTickMs: config.engineTickMs,
      leaseTtlMs: config.leaseTtlMs,
      webDir: config.webDir,
    });
    await app.start();
    await app.http.listen({ port: config.port, host: config.host });
  } catch (err) {
    if (app) await app.close().catch(() => undefined);
    await database.close();
    throw err;
  }
  const addr = app.http.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const where = config.databaseUrl ? 'PostgreSQL' : `SQLite ${config.db}`;
  out(`AetherBoard listening on ${url} (${where}, ${config.clock} clock)`);
  if (generatedRootKey) printRootKey(generatedRootKey, out);
  const started = app;
  let stopping: Promise<void> | undefined;
  return {
    app: started,
    database,
    clock,
    url,
    stop: () =>
      (stopping ??= (async () => {
        await started.close();
        await database.close();
      })()),
  };
}

export function printRootKey(key: string, out: (line: string) => void): void {
  out('');
  out('  Root key (shown once; store it safely, or set AETHERBOARD_ROOT_KEY):');
  out(`    ${key}`);
  out('');
}
