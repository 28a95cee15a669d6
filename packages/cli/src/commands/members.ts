import { Option, type Command } from 'commander';
import { MemberKind, MemberStatus } from '@aetherboard/contracts';
import type { CreateMemberInput, Member, MemberListQuery } from '@aetherboard/sdk';
import { connect, run, withApi, type Flags } from '../lib/api.js';
import { printJson, printTable } from '../lib/output.js';
import { listPages, withPages, type PageFlags } from '../lib/list.js';

export function registerMembers(program: Command): void {
  const members = program.command('members').description('people and agents of the org graph, and the workforce manager');

  withApi(
    withPages(members
      .command('ls', { isDefault: true })
      .alias('list')
      .description('list members; the workforce manager is marked with *')
      .addOption(new Option('--kind <kind>', 'human or agent').choices(MemberKind.options))
      .addOption(new Option('--status <status>', 'active or left').choices(MemberStatus.options))),
  ).action(
    run(async (f: Flags<PageFlags & { kind?: string; status?: string }>) => {
      const client = connect(f);
      const q: MemberListQuery = { kind: f.kind as MemberListQuery['kind'], status: f.status as MemberListQuery['status'] };
      const [items, org] = await Promise.all([listPages((x: MemberListQuery) => client.members.list(x), q, { ...f, what: 'members' }), client.org.get()]);
      if (f.json) printJson(items);
      else
        printTable<Member>(items, [
          { header: 'member', get: (m) => (m.member_id === org.manager_id ? `${m.member_id} *` : m.member_id) },
          { header: 'name', get: (m) => m.name, max: 40 },
          { header: 'kind', get: (m) => m.kind },
          { header: 'status', get: (m) => m.status },
          { header: 'email', get: (m) => m.email },
        ]);
    }),
  );

  withApi(
    members
      .command('create')
      .description('add a person (or an agent node) to the org graph')
      .argument('[member_id]', 'the id to use (default: the server makes one)')
      .requiredOption('--name <name>', 'display name')
      .addOption(new Option('--kind <kind>', 'human or agent').choices(MemberKind.options).default('human'))
      .option('--email <email>', 'where to reach them'),
  ).action(
    run(async (id: string | undefined, f: Flags<{ name: string; kind: string; email?: string }>) => {
      const body: CreateMemberInput = { member_id: id, name: f.name, kind: f.kind as CreateMemberInput['kind'], email: f.email };
      const m = await connect(f).members.create(body);
      if (f.json) printJson(m);
      else process.stdout.write(`added ${m.member_id} (${m.name}, ${m.kind})\n`);
    }),
  );

  withApi(
    members
      .command('manager')
      .description('show the workforce manager (the top of every escalation path), or set it')
      .argument('[member_id]', 'the member to make workforce manager'),
  ).action(
    run(async (id: string | undefined, f: Flags<object>) => {
      const client = connect(f);
      const org = id === undefined ? await client.org.get() : await client.org.setManager(id);
      if (f.json) printJson(org);
      else process.stdout.write(`workforce manager of ${org.name}: ${org.manager_id ?? '(none)'}\n`);
    }),
  );
}
