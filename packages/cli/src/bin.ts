import { Command } from 'commander';
import { VERSION } from './version.js';
import { registerServe } from './serve.js';
import { registerCommands } from './commands/index.js';
import { registerMcp } from './mcp.js';

const program = new Command();
program.name('aetherboard').description('AetherBoard: the control plane for fleets of AI agents').version(VERSION);
registerServe(program);
registerCommands(program);
registerMcp(program, VERSION);
program.showHelpAfterError();
await program.parseAsync(process.argv);
