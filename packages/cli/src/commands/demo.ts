import type { Command } from 'commander';
import { run } from '../lib/api.js';
import { CliError, EXIT } from '../lib/exit.js';
import { decimal, int } from '../lib/parse.js';
import type { Progress } from '../sim/driver.js';
import { FAULT_PRESETS } from '../sim/faults.js';

interface DemoFlags {
  agents: number;
  speed: number;
  port: number;
  host: string;
  faults: string;
  seed?: string;
  db?: string;
  quiet?: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start a server with a living simulated fleet: open the dashboard and watch it (Ctrl-C stops)')
    .option('--agents <n>', 'fleet size', int(1, 10_000), 24)
    .option('--speed <x>', 'simulated time per real time', decimal(1, 10_000), 60)
    .option('--port <port>', 'port of the server and dashboard', int(0, 65_535), 7070)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--faults <spec>', `faults as rates, as for simulate; gentle is ${FAULT_PRESETS.gentle}`, 'gentle')
    .option('--seed <seed>', 'replays the same fleet and faults')
    .option('--db <file>', 'keep the database in this file (default: a temporary one)')
    .option('--quiet', 'no progress line')
    .action(run(async (f: DemoFlags) => demoCommand(f)));
}

async function demoCommand(f: DemoFlags): Promise<void> {
  const { parseFaults } = await import('../sim/faults.js');
  const faults = parseFaults(f.faults);
  const fixed = faults.filter((r) => r.amount.type !== 'rate').map((r) => r.kind);
  if (fixed.length > 0) throw new CliError(`--faults: the demo runs without end, so give ${fixed.join(', ')} as a rate (e.g. silent=2/h)`, EXIT.usage);
  const { startEmbedded } = await import('../sim/embedded.js');
  const { runSimulation } = await import('../sim/driver.js');
  const { buildReport, renderReport } = await import('../sim/report.js');
  const { progressPrinter } = await import('../sim/progress.js');
  const rootKey = process.env.AETHERBOARD_ROOT_KEY || undefined;
  if (rootKey !== undefined && rootKey.length < 16) throw new CliError('AETHERBOARD_ROOT_KEY must be at least 16 characters', EXIT.config);
  let server;
  try {
    server = await startEmbedded({ startAt: Math.floor(Date.now() / 1000) * 1000, port: f.port, host: f.host, db: f.db, rootKey });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'EADDRINUSE') throw new CliError(`port ${f.port} is in use: pick another with --port (0 for any)`, EXIT.config);
    throw err;
  }
  const out = process.stdout;
  out.write(`AetherBoard demo: ${f.agents} simulated agents at ${f.speed}× real time, on a manual clock\n\n`);
  out.write(`  dashboard  ${server.url}\n`);
  out.write(`  root key   ${server.rootKey}\n\n`);
  out.write(`Open the dashboard and sign in with the key. In another shell:\n`);
  out.write(`  export AETHERBOARD_URL=${server.url} AETHERBOARD_KEY=${server.rootKey}\n`);
  out.write(`  npx aetherboard alerts ls --status open\n\n`);
  out.write(`Ctrl-C stops the demo and prints what it caught.\n\n`);

  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const printer = f.quiet ? null : progressPrinter();
  try {
    const result = await runSimulation({
      url: server.url,
      key: server.rootKey,
      agents: f.agents,
      pods: Math.max(1, Math.round(f.agents / 5)),
      durationMs: Number.POSITIVE_INFINITY,
      tickMs: 15_000,
      speed: f.speed,
      seed: f.seed ?? 'demo',
      faults,
      tierMix: [20, 50, 30],
      working: f.agents,
      prefix: '',
      resolutionMs: 0,
      concurrency: 8,
      ownServer: true,
      onProgress: printer ? (p: Progress) => printer.update(p) : undefined,
      signal: abort.signal,
    });
    printer?.done();
    out.write(`\n${renderReport(buildReport(result))}\n`);
  } finally {
    printer?.done();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await server.stop();
  }
}
