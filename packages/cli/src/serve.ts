import type { Command } from 'commander';
import type { Config } from '@aetherboard/server';

interface ServeFlags {
  port?: string;
  host?: string;
  db?: string;
  databaseUrl?: string;
  clock?: string;
  clockStart?: string;
  logLevel?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the API, the background evaluators and the dashboard on one port')
    .option('--port <port>', 'port to listen on (AETHERBOARD_PORT, default 7070)')
    .option('--host <host>', 'address to bind (AETHERBOARD_HOST, default 127.0.0.1)')
    .option('--db <file>', 'embedded SQLite database file (AETHERBOARD_DB, default ./data/aetherboard.db)')
    .option('--database-url <url>', 'use PostgreSQL instead of SQLite (DATABASE_URL)')
    .option('--clock <real|manual>', 'real time, or a manual clock for simulation and tests (AETHERBOARD_CLOCK)')
    .option('--clock-start <iso>', 'start time of the manual clock (AETHERBOARD_CLOCK_START)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (AETHERBOARD_LOG_LEVEL)')
    .action(async (flags: ServeFlags) => {
      // Loaded here, not at the top: the other commands start faster without the server's code.
      const { ConfigError, loadConfig, startServer } = await import('@aetherboard/server');
      let config: Config;
      try {
        config = loadConfig(flags as Partial<Record<keyof Config, unknown>>, process.env);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`aetherboard: ${err.message}\n`);
          process.exit(2);
        }
        throw err;
      }
      try {
        const server = await startServer(config);
        let stopping = false;
        const shutdown = (signal: string) => {
          if (stopping) return;
          stopping = true;
          process.stdout.write(`received ${signal}, shutting down\n`);
          const force = setTimeout(() => process.exit(1), 10_000);
          force.unref();
          server.stop().then(
            () => process.exit(0),
            (err: unknown) => {
              process.stderr.write(`aetherboard: shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
              process.exit(1);
            },
          );
        };
        process.on('SIGTERM', () => shutdown('SIGTERM'));
        process.on('SIGINT', () => shutdown('SIGINT'));
      } catch (err) {
        process.stderr.write(`aetherboard: cannot start: ${oneLine(err)}\n`);
        process.exit(1);
      }
    });
}

export function oneLine(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'EADDRINUSE') return `address already in use (${e.message ?? ''})`.replace(/\s+/g, ' ');
  if (e?.code === 'ECONNREFUSED') return `database refused the connection (${e.message ?? ''})`;
  return (e?.message ?? String(err)).split('\n')[0] ?? 'unknown error';
}
