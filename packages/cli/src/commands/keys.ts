import { Option, type Command } from 'commander';
import { KeyRole } from '@aetherboard/contracts';
import type { ApiKey, CreateKeyInput } from '@aetherboard/sdk';
import { connect, run, withApi, type Flags } from '../lib/api.js';
import { printFields, printJson, printTable, time } from '../lib/output.js';
import { listPages, withPages, type PageFlags } from '../lib/list.js';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('API keys of the workspace (admin)');

  withApi(withPages(keys.command('ls', { isDefault: true }).alias('list').description('list keys (never their secrets)'))).action(
    run(async (f: Flags<PageFlags>) => {
      const client = connect(f);
      const items = await listPages((q: { limit?: number; cursor?: string }) => client.keys.list(q), {}, { ...f, what: 'keys' });
      if (f.json) printJson(items);
      else
        printTable<ApiKey>(items, [
          { header: 'key', get: (k) => k.key_id },
          { header: 'role', get: (k) => k.role },
          { header: 'label', get: (k) => k.label, max: 32 },
          { header: 'bound to', get: (k) => k.agent_id ?? k.member_id },
          { header: 'created', get: (k) => time(k.created_at) },
          { header: 'last used', get: (k) => time(k.last_used_at) },
          { header: 'revoked', get: (k) => time(k.revoked_at) },
        ]);
    }),
  );

  withApi(
    keys
      .command('create')
      .description('create a key; its secret is printed once and stored only hashed')
      .addOption(new Option('--role <role>', 'viewer reads; operator runs the fleet; admin also manages keys, members and pods; agent acts for one agent').choices(KeyRole.options).makeOptionMandatory())
      .requiredOption('--label <label>', 'what the key is for')
      .option('--agent <agent_id>', 'the agent an agent key belongs to')
      .option('--member <member_id>', 'bind the key to a member: RACI then decides what it may do'),
  ).action(
    run(async (f: Flags<{ role: string; label: string; agent?: string; member?: string }>) => {
      const body: CreateKeyInput = { role: f.role as CreateKeyInput['role'], label: f.label, agent_id: f.agent, member_id: f.member };
      const k = await connect(f).keys.create(body);
      if (f.json) printJson(k);
      else {
        printFields([
          ['key id', k.key_id],
          ['secret', k.key],
        ]);
        process.stderr.write('The secret is shown only now: store it safely.\n');
      }
    }),
  );

  withApi(keys.command('revoke').description('revoke a key: it stops working at once').argument('<key_id>')).action(
    run(async (id: string, f: Flags<object>) => {
      await connect(f).keys.revoke(id);
      if (f.json) printJson({ key_id: id, revoked: true });
      else process.stdout.write(`revoked ${id}\n`);
    }),
  );
}
