import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { resolveKey, resolveUrl, run } from '../lib/api.js';
import { CliError, EXIT } from '../lib/exit.js';
import { printJson } from '../lib/output.js';
import { decimal, durationOption, int } from '../lib/parse.js';
import type { Progress, SimOptions } from '../sim/driver.js';
import { FAULT_KINDS, FAULT_PRESETS, parseFaults } from '../sim/faults.js';
import type { SettingsFile } from '../sim/policy.js';

export interface SimulateFlags {
  agents: number;
  pods?: number;
  duration: number;
  speed?: number;
  faults: string;
  seed?: string;
  tiers: string;
  working?: number;
  tick?: number;
  resolution?: number;
  settings?: string;
  url?: string;
  key?: string;
  json?: boolean;
  quiet?: boolean;
  minRecall?: number;
  maxFalsePositives?: number;
  concurrency: number;
  prefix?: string;
  start?: string;
  db?: string;
}

const LARGE = 5_000;

export function parseTiers(v: string): [number, number, number] {
  const parts = v.split(/[/,]/).map((x) => Number(x.trim()));
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x) || x < 0) || parts.every((x) => x === 0)) {
    throw new CliError(`--tiers '${v}': expected three shares P0/P1/P2, e.g. 10/40/50`, EXIT.usage);
  }
  return parts as [number, number, number];
}

export const FAULT_HELP = `Faults (--faults): comma-separated kind=amount[@duration], or a preset (${Object.keys(FAULT_PRESETS).join(', ')}).
  amount: 3 (that many), 2% or 0.02 (that share of the agents; of the pods for pod_dark), 2/h or 5/d (a rate)
  kinds:  ${FAULT_KINDS.join(', ')}
  default: ${FAULT_PRESETS.default}
  e.g.    --faults silent=3,stuck=1,burn=2%@90m   --faults none   --faults pod_dark=2
More: docs/simulation.md`;

/** Turns the flags into simulation options (everything but the server to run against). */
export function simOptions(f: SimulateFlags, target: { url: string; key: string; remote: boolean }): SimOptions {
  const agents = f.agents;
  const pods = f.pods ?? Math.max(1, Math.round(agents / 5));
  if (pods > agents) throw new CliError(`--pods ${pods} is more than --agents ${agents}`, EXIT.usage);
  const large = agents > LARGE;
  const tickMs = f.tick ?? (large ? 60_000 : 30_000);
  return {
    url: target.url,
    key: target.key,
    agents,
    pods,
    durationMs: f.duration,
    tickMs,
    speed: f.speed ?? null,
    seed: f.seed ?? randomBytes(4).toString('hex'),
    faults: parseFaults(f.faults),
    tierMix: parseTiers(f.tiers),
    working: Math.min(agents, f.working ?? 1_000),
    prefix: f.prefix ?? (target.remote ? `sim-${Date.now().toString(36)}-` : ''),
    resolutionMs: f.resolution ?? (large ? tickMs : 0),
    concurrency: f.concurrency,
    ownServer: !target.remote,
  };
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('run a simulated fleet with injected faults against the liveness rules, and report what caught each fault')
    .option('--agents <n>', 'fleet size', int(1, 1_000_000), 60)
    .option('--pods <n>', 'pods (default: agents / 5, for pods of 5 ± 2)', int(1, 1_000_000))
    .addOption(new Option('--duration <dur>', 'simulated time, e.g. 6h, 24h, 90m').argParser(durationOption(60_000)).default(86_400_000, '24h'))
    .option('--speed <x>', 'simulated time per real time (default: as fast as possible on the manual clock; 1 on a real clock)', decimal(0.001, 1e9))
    .option('--faults <spec>', 'faults to inject (see below)', 'default')
    .option('--seed <seed>', 'replays the same fleet, faults and behaviour (default: random, printed in the report)')
    .option('--tiers <p0/p1/p2>', 'shares of P0, P1 and P2 agents', '10/40/50')
    .option('--working <n>', 'agents that take assignments and report invocations (default: all, at most 1000); the rest stand by and heartbeat', int(0, 1_000_000))
    .option('--tick <dur>', 'simulated time per step (default 30s, 60s above 5000 agents)', durationOption(1_000))
    .option('--resolution <dur>', 'evaluations this close together run as one (default 0, the tick above 5000 agents)', durationOption(0))
    .option('--settings <file>', 'liveness and governance settings to prove, as JSON {"liveness": {...}, "governance": {...}} (embedded server only)')
    .option('--url <url>', 'run against this server instead of an embedded one (its workspace keeps the simulated fleet)')
    .option('--key <key>', 'admin key for --url (AETHERBOARD_KEY, else AETHERBOARD_ROOT_KEY)')
    .option('--json', 'print the report as JSON')
    .option('--quiet', 'no progress display')
    .option('--min-recall <r>', 'exit 7 when recall is below this', decimal(0, 1))
    .option('--max-false-positives <n>', 'exit 7 when there are more false positives', int(0))
    .option('--concurrency <n>', 'requests in flight for calls that cannot be batched', int(1, 256), 8)
    .option('--prefix <prefix>', 'prefix of every id the simulation creates (default none; sim-<time>- with --url)')
    .option('--start <iso>', 'where the embedded manual clock starts (default: now)')
    .option('--db <file>', 'keep the embedded server\'s SQLite database in this file')
    .addHelpText('after', `\n${FAULT_HELP}`)
    .action(run(async (f: SimulateFlags) => simulateCommand(f)));
}

async function simulateCommand(f: SimulateFlags): Promise<void> {
  const { readSettingsFile } = await import('../sim/policy.js');
  const remote = f.url !== undefined;
  if (remote && f.settings) throw new CliError('--settings applies to the embedded server only; a server on --url keeps its own settings', EXIT.usage);
  if (remote && (f.start || f.db)) throw new CliError('--start and --db apply to the embedded server only', EXIT.usage);
  const settings: SettingsFile | undefined = f.settings ? readSettingsFile(f.settings) : undefined;
  const startAt = f.start ? Date.parse(f.start) : Math.floor(Date.now() / 60_000) * 60_000;
  if (!Number.isFinite(startAt)) throw new CliError(`--start '${f.start}': expected an ISO-8601 time`, EXIT.usage);
  // Validate everything before starting anything.
  simOptions(f, { url: 'http://127.0.0.1', key: 'x', remote });

  const { startEmbedded } = await import('../sim/embedded.js');
  const { runSimulation } = await import('../sim/driver.js');
  const { buildReport, renderReport } = await import('../sim/report.js');
  const { progressPrinter } = await import('../sim/progress.js');

  const server = remote ? null : await startEmbedded({ startAt, db: f.db });
  const target = remote ? { url: resolveUrl(f.url), key: resolveKey(f.key), remote } : { url: server!.url, key: server!.rootKey, remote };
  const opts = simOptions(f, target);
  opts.settings = settings;
  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nstopping: the report covers the time simulated so far (Ctrl-C again to quit now)\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const printer = f.quiet ? null : progressPrinter();
  opts.onProgress = printer ? (p: Progress) => printer.update(p) : undefined;
  opts.signal = abort.signal;
  try {
    const runResult = await runSimulation(opts);
    printer?.done();
    const report = buildReport(runResult);
    if (f.json) printJson(report);
    else process.stdout.write(`${renderReport(report)}\n`);
    const fails: string[] = [];
    if (f.minRecall !== undefined && (report.recall ?? 1) < f.minRecall) fails.push(`recall ${report.recall?.toFixed(2)} is below ${f.minRecall}`);
    if (f.maxFalsePositives !== undefined && report.alerts.false_positives.length > f.maxFalsePositives) {
      fails.push(`${report.alerts.false_positives.length} false positive(s), more than ${f.maxFalsePositives}`);
    }
    if (fails.length > 0) throw new CliError(`the configuration did not prove out: ${fails.join('; ')}`, EXIT.check);
  } finally {
    printer?.done();
    process.off('SIGINT', onSigint);
    await server?.stop();
  }
}
