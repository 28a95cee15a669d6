import { Option, type Command } from 'commander';
import { FireReason } from '@aetherboard/contracts';
import { connect, run, withApi, type Flags } from '../lib/api.js';
import { printJson } from '../lib/output.js';

export function registerFire(program: Command): void {
  withApi(
    program
      .command('fire')
      .description('retire an agent for cause: its open assignments are handed off and the firing is kept in its record')
      .argument('<agent_id>')
      .addOption(new Option('--reason <reason>', 'why it is fired').choices(FireReason.options).makeOptionMandatory())
      .option('--context <text>', 'what happened, for the record'),
  ).action(
    run(async (id: string, f: Flags<{ reason: string; context?: string }>) => {
      const a = await connect(f).agents.fire(id, f.reason as FireReason, f.context);
      if (f.json) printJson(a);
      else process.stdout.write(`${a.agent_id} fired (${f.reason}): now ${a.current_state}, fired ${a.fired_count} time(s)\n`);
    }),
  );
}
