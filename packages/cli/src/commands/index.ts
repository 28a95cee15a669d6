import type { Command } from 'commander';
import { EXIT_HELP } from '../lib/exit.js';
import { registerAgents } from './agents.js';
import { registerAlerts } from './alerts.js';
import { registerClock } from './clock.js';
import { registerDemo } from './demo.js';
import { registerFire } from './fire.js';
import { registerHeartbeat } from './heartbeat.js';
import { registerKeys } from './keys.js';
import { registerMembers } from './members.js';
import { registerPods } from './pods.js';
import { registerSimulate } from './simulate.js';
import { registerTransition } from './transition.js';

const ENV_HELP = `Connection (every command that talks to a server):
  --url <url>   or AETHERBOARD_URL   (default http://127.0.0.1:7070)
  --key <key>   or AETHERBOARD_KEY, else AETHERBOARD_ROOT_KEY
  --json        JSON on stdout for scripts; errors are one line on stderr`;

/** The admin verbs, the simulator and the demo. */
export function registerCommands(program: Command): void {
  registerAgents(program);
  registerTransition(program);
  registerFire(program);
  registerHeartbeat(program);
  registerAlerts(program);
  registerKeys(program);
  registerMembers(program);
  registerPods(program);
  registerClock(program);
  registerSimulate(program);
  registerDemo(program);
  program.addHelpText('after', `\n${ENV_HELP}\n\n${EXIT_HELP}\n\nMore: docs/cli.md`);
}
