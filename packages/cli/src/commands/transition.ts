import { Argument, type Command } from 'commander';
import type { AgentState } from '@aetherboard/sdk';
import { connect, run, withApi, type Flags } from '../lib/api.js';
import { printJson } from '../lib/output.js';
import { STATES } from './agents.js';

export function registerTransition(program: Command): void {
  withApi(
    program
      .command('transition')
      .description('move an agent to another lifecycle state (an illegal move exits 5 and names the legal ones)')
      .argument('<agent_id>')
      .addArgument(new Argument('<to>', 'target state').choices(STATES))
      .requiredOption('--reason <text>', 'why: recorded in the audit trail'),
  ).action(
    run(async (id: string, to: string, f: Flags<{ reason: string }>) => {
      const a = await connect(f).agents.transition(id, to as AgentState, f.reason);
      if (f.json) printJson(a);
      else process.stdout.write(`${a.agent_id} is now ${a.current_state} (health ${a.health})\n`);
    }),
  );
}
