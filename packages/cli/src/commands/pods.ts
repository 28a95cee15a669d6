import type { Command } from 'commander';
import type { Pod, PodListQuery } from '@aetherboard/sdk';
import { connect, run, withApi, type Flags } from '../lib/api.js';
import { printFields, printJson, printTable, time } from '../lib/output.js';
import { listPages, withPages, type PageFlags } from '../lib/list.js';

export function registerPods(program: Command): void {
  const pods = program.command('pods').description('pods: small groups of agents (5 ± 2) under one lead');

  withApi(withPages(pods.command('ls', { isDefault: true }).alias('list').description('list pods with their size').option('--team <team_id>', 'one team'))).action(
    run(async (f: Flags<PageFlags & { team?: string }>) => {
      const client = connect(f);
      const items = await listPages((q: PodListQuery) => client.pods.list(q), { team_id: f.team }, { ...f, what: 'pods' });
      if (f.json) printJson(items);
      else
        printTable<Pod>(items, [
          { header: 'pod', get: (p) => p.pod_id },
          { header: 'name', get: (p) => p.name, max: 32 },
          { header: 'team', get: (p) => p.team_id },
          { header: 'lead', get: (p) => p.lead_id },
          { header: 'agents', get: (p) => p.agent_count, align: 'right' },
          { header: 'size warning', get: (p) => p.size_warning, max: 48 },
        ]);
    }),
  );

  withApi(pods.command('show').description('one pod').argument('<pod_id>')).action(
    run(async (id: string, f: Flags<object>) => {
      const p = await connect(f).pods.get(id);
      if (f.json) printJson(p);
      else
        printFields([
          ['pod', p.pod_id],
          ['name', p.name],
          ['team', p.team_id],
          ['lead', p.lead_id],
          ['agents', p.agent_count],
          ['size warning', p.size_warning],
          ['created', time(p.created_at)],
        ]);
    }),
  );

  withApi(
    pods
      .command('create')
      .description('create a pod under a lead (a person or a lead agent)')
      .argument('[pod_id]', 'the id to use (default: the server makes one)')
      .requiredOption('--name <name>', 'display name')
      .requiredOption('--team <team_id>', 'the team it belongs to')
      .requiredOption('--lead <member_id>', 'its lead: level 0 of every escalation in the pod'),
  ).action(
    run(async (id: string | undefined, f: Flags<{ name: string; team: string; lead: string }>) => {
      const p = await connect(f).pods.create({ pod_id: id, name: f.name, team_id: f.team, lead_id: f.lead });
      if (f.json) printJson(p);
      else process.stdout.write(`created pod ${p.pod_id} (team ${p.team_id}, lead ${p.lead_id})\n`);
    }),
  );
}
