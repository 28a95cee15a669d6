import { Option, type Command } from 'commander';
import { AlertSeverity, AlertStatus } from '@aetherboard/contracts';
import type { Alert, AlertListQuery } from '@aetherboard/sdk';
import { connect, run, withApi, type Flags } from '../lib/api.js';
import { printFields, printJson, printTable, time, type Column } from '../lib/output.js';
import { listPages, withPages, type PageFlags } from '../lib/list.js';

export const ALERT_COLUMNS: Column<Alert>[] = [
  { header: 'alert', get: (a) => a.alert_id },
  { header: 'kind', get: (a) => a.kind },
  { header: 'sev', get: (a) => a.severity },
  { header: 'agent', get: (a) => a.agent_id },
  { header: 'status', get: (a) => a.status },
  { header: 'level', get: (a) => a.escalation_level, align: 'right' },
  { header: 'opened', get: (a) => time(a.opened_at) },
  { header: 'summary', get: (a) => a.summary, max: 60 },
];

interface LsFlags extends PageFlags {
  status?: string;
  severity?: string;
  agent?: string;
  kind?: string;
  pod?: string;
}

function notified(a: Alert): string {
  return a.notified.length === 0 ? '-' : a.notified.map((x) => `${x.member_id} (${x.role}, level ${x.level})`).join(', ');
}

export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('list, acknowledge and resolve alerts');

  withApi(
    withPages(alerts
      .command('ls', { isDefault: true })
      .alias('list')
      .description('list alerts, newest first')
      .addOption(new Option('--status <status>', 'open, acknowledged or resolved').choices(AlertStatus.options))
      .addOption(new Option('--severity <sev>', 'P1 pages at once, P2 goes into digests').choices(AlertSeverity.options))
      .option('--agent <agent_id>', 'one agent')
      .option('--kind <kind>', 'e.g. heartbeat_breach')
      .option('--pod <pod_id>', "a pod's agents")),
  ).action(
    run(async (f: Flags<LsFlags>) => {
      const client = connect(f);
      const q: AlertListQuery = {
        status: f.status as AlertListQuery['status'],
        severity: f.severity as AlertListQuery['severity'],
        agent_id: f.agent,
        kind: f.kind as AlertListQuery['kind'],
        pod_id: f.pod,
        limit: f.limit,
        cursor: f.cursor,
      };
      const items = await listPages((x: AlertListQuery) => client.alerts.list(x), q, { ...f, what: 'alerts' });
      if (f.json) printJson(items);
      else printTable(items, ALERT_COLUMNS, '(no alerts)');
    }),
  );

  withApi(alerts.command('show').description('one alert, with who was notified at which level').argument('<alert_id>')).action(
    run(async (id: string, f: Flags<object>) => {
      const a = await connect(f).alerts.get(id);
      if (f.json) printJson(a);
      else printAlert(a);
    }),
  );

  for (const [verb, what] of [
    ['ack', 'acknowledge an alert: someone is on it, so it stops climbing the escalation path'],
    ['resolve', 'close an alert by hand (alerts also resolve by themselves when the condition clears)'],
  ] as const) {
    withApi(alerts.command(verb).description(what).argument('<alert_id>').option('--note <text>', 'a note kept with the alert')).action(
      run(async (id: string, f: Flags<{ note?: string }>) => {
        const client = connect(f);
        const a = verb === 'ack' ? await client.alerts.ack(id, f.note) : await client.alerts.resolve(id, f.note);
        if (f.json) printJson(a);
        else process.stdout.write(`${a.alert_id} ${a.status} (${a.kind}${a.agent_id ? ` on ${a.agent_id}` : ''})\n`);
      }),
    );
  }
}

function printAlert(a: Alert): void {
  printFields([
    ['alert', a.alert_id],
    ['kind', a.kind],
    ['severity', a.severity],
    ['agent', a.agent_id],
    ['status', a.status],
    ['summary', a.summary],
    ['opened', time(a.opened_at)],
    ['acknowledged', a.acknowledged_at ? `${time(a.acknowledged_at)} by ${a.acknowledged_by ?? '-'}` : null],
    ['resolved', a.resolved_at ? `${time(a.resolved_at)}${a.resolved_by ? ` by ${a.resolved_by}` : ''}` : null],
    ['escalation level', a.escalation_level],
    ['notified', notified(a)],
    ['details', Object.keys(a.details).length > 0 ? a.details : null],
  ]);
}
