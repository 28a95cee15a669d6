import type { Command } from 'commander';
import { connect, run, withApi, type Flags } from '../lib/api.js';
import { printJson, time } from '../lib/output.js';
import { durationOption } from '../lib/parse.js';

export function registerClock(program: Command): void {
  const clock = program.command('clock').description('the manual clock of a server started with --clock manual (404 otherwise)');

  withApi(clock.command('now', { isDefault: true }).description("the server's current time")).action(
    run(async (f: Flags<object>) => {
      const r = await connect(f).clock.get();
      if (f.json) printJson(r);
      else process.stdout.write(`${time(r.now)}\n`);
    }),
  );

  withApi(
    clock
      .command('advance')
      .description('move time forward; every evaluation that falls due on the way runs, in order, before it answers (admin)')
      .argument('<duration>', 'e.g. 140s, 10m, 2h', durationOption(0)),
  ).action(
    run(async (ms: number, f: Flags<object>) => {
      const r = await connect(f, { timeoutMs: 600_000 }).clock.advance(ms);
      if (f.json) printJson(r);
      else process.stdout.write(`${time(r.now)}\n`);
    }),
  );
}
