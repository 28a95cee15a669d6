import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AgentState, Health, P1_ALERT_KINDS, P2_ALERT_KINDS } from '@aetherboard/contracts';
import type { Clock } from '../../clock.js';
import { EXPOSITION_CONTENT_TYPE, Exposition, processMetrics, type Labels } from '../../integrations/exposition.js';
import type { IntegrationOptions } from '../../integrations/settings.js';
import type { NotifyStats } from '../../integrations/stats.js';
import { inv } from '../../store/invocations.js';
import type { DB } from '../../store/tables.js';
import { requireRole } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

export interface MetricsSources {
  engine: { lastLagMs: number; lastPassMs: number };
  ingest: { accepted: number };
  stats: NotifyStats;
  version: string;
}

/** Token and cost sums read every invocation; a scrape every few seconds must not do that each time. */
const SPEND_TTL_MS = 30_000;

interface Spend {
  at: number;
  rows: Map<string, { tokens: number; cost: number }>;
}

/** `null` means every workspace (public metrics, or the root key). */
type Scope = string | null;

async function gather(db: Kysely<DB>, scope: Scope, clock: Clock, spendCache: Map<string, Spend>) {
  const ws = scope ?? '';
  const mine = scope !== null;
  const workspaces = await db
    .selectFrom('workspaces')
    .select('workspace_id')
    .$if(mine, (q) => q.where('workspace_id', '=', ws))
    .orderBy('workspace_id')
    .execute();
  const byState = await db
    .selectFrom('agents')
    .select(['workspace_id', 'current_state as value', (eb) => eb.fn.countAll<number>().as('n')])
    .$if(mine, (q) => q.where('workspace_id', '=', ws))
    .groupBy(['workspace_id', 'current_state'])
    .execute();
  const byHealth = await db
    .selectFrom('agents')
    .select(['workspace_id', 'health as value', (eb) => eb.fn.countAll<number>().as('n')])
    .$if(mine, (q) => q.where('workspace_id', '=', ws))
    .groupBy(['workspace_id', 'health'])
    .execute();
  const alerts = await db
    .selectFrom('alerts')
    .select(['workspace_id', 'kind', 'severity', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '<>', 'resolved')
    .$if(mine, (q) => q.where('workspace_id', '=', ws))
    .groupBy(['workspace_id', 'kind', 'severity'])
    .execute();
  // The roster's own counters: exact, and one row per agent rather than per invocation.
  const finished = await db
    .selectFrom('agents')
    .select(['workspace_id', (eb) => eb.fn.sum<number>('successful_tasks').as('ok'), (eb) => eb.fn.sum<number>('failed_tasks').as('failed')])
    .$if(mine, (q) => q.where('workspace_id', '=', ws))
    .groupBy('workspace_id')
    .execute();
  const open = await inv(db)
    .selectFrom('invocations')
    .select(['workspace_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('completed_at', 'is', null)
    .$if(mine, (q) => q.where('workspace_id', '=', ws))
    .groupBy('workspace_id')
    .execute();
  const key = scope ?? '*';
  let spend = spendCache.get(key);
  const now = clock.now();
  if (!spend || now - spend.at >= SPEND_TTL_MS || now < spend.at) {
    const rows = await inv(db)
      .selectFrom('invocations')
      .select(['workspace_id', (eb) => eb.fn.sum<number>('tokens_used').as('tokens'), (eb) => eb.fn.sum<number>('cost_usd').as('cost')])
      .$if(mine, (q) => q.where('workspace_id', '=', ws))
      .groupBy('workspace_id')
      .execute();
    spend = { at: now, rows: new Map(rows.map((r) => [r.workspace_id, { tokens: Number(r.tokens ?? 0), cost: Number(r.cost ?? 0) }])) };
    spendCache.set(key, spend);
  }
  return { workspaces: workspaces.map((w) => w.workspace_id), byState, byHealth, alerts, finished, open, spend: spend.rows };
}

/** Every value of a label gets a sample, zero included: a series that vanishes at zero reads as missing data. */
function filled(workspaces: string[], values: readonly string[], label: string, rows: Array<{ workspace_id: string; value: string; n: number | string | bigint }>): Array<[Labels, number]> {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(`${r.workspace_id}\u0000${r.value}`, Number(r.n));
  const all = new Set<string>(values);
  for (const r of rows) all.add(r.value);
  return workspaces.flatMap((ws) => [...all].map((v): [Labels, number] => [{ workspace: ws, [label]: v }, counts.get(`${ws}\u0000${v}`) ?? 0]));
}

export function metricsRoutes(d: RouteDeps, src: MetricsSources, opts: IntegrationOptions): AnyRoute[] {
  const spendCache = new Map<string, Spend>();
  return [
    defineRoute({
      method: 'GET',
      url: '/metrics',
      tag: 'integrations',
      summary: 'Prometheus metrics: agents by state and health, open alerts, heartbeat ingest, evaluator lag, invocations, tokens, cost, process',
      description:
        'The Prometheus text exposition format 0.0.4. Takes `Authorization: Bearer <key>` of a viewer or above (the key sees its ' +
        'workspace; the root key sees all of them, each series labelled `workspace`), unless the server runs with ' +
        '`AETHERBOARD_METRICS_PUBLIC=1`, when no key is needed and every workspace is shown.',
      access: 'public',
      roles: 'viewer and up, or anyone when AETHERBOARD_METRICS_PUBLIC=1',
      responses: {
        200: { description: 'the metrics', schema: z.string(), contentType: EXPOSITION_CONTENT_TYPE },
        401: { description: 'unauthorized: missing, unknown or revoked key' },
        403: { description: 'forbidden: agent keys do not read metrics' },
      },
      handler: async ({ raw }) => {
        let scope: Scope = null;
        if (!opts.metricsPublic) {
          const p = await d.auth.authenticate(raw);
          requireRole(p, 'viewer');
          scope = p.role === 'root' ? null : p.workspaceId;
        }
        const g = await gather(d.svc.database.db, scope, d.svc.clock, spendCache);
        const x = new Exposition();
        const perWs = (value: (ws: string) => number): Array<[Labels, number]> => g.workspaces.map((ws) => [{ workspace: ws }, value(ws)]);
        const finished = new Map(g.finished.map((r) => [r.workspace_id, { ok: Number(r.ok ?? 0), failed: Number(r.failed ?? 0) }]));
        const open = new Map(g.open.map((r) => [r.workspace_id, Number(r.n)]));
        const kinds = [...P1_ALERT_KINDS.map((k) => [k, 'P1'] as const), ...P2_ALERT_KINDS.map((k) => [k, 'P2'] as const)];
        const alertCounts = new Map(g.alerts.map((r) => [`${r.workspace_id}\u0000${r.kind}\u0000${r.severity}`, Number(r.n)]));
        const alertKinds = new Map<string, readonly [string, string]>(kinds.map((k) => [`${k[0]}\u0000${k[1]}`, k]));
        for (const r of g.alerts) alertKinds.set(`${r.kind}\u0000${r.severity}`, [r.kind, r.severity]);
        x.add('aetherboard_build_info', 'gauge', 'The running AetherBoard version.', [[{ version: src.version }, 1]])
          .add('aetherboard_agents_by_state', 'gauge', 'Agents by lifecycle state.', filled(g.workspaces, AgentState.options, 'state', g.byState))
          .add('aetherboard_agents_by_health', 'gauge', 'Agents by health.', filled(g.workspaces, Health.options, 'health', g.byHealth))
          .add(
            'aetherboard_alerts_open',
            'gauge',
            'Alerts not yet resolved (open or acknowledged), by kind and severity.',
            g.workspaces.flatMap((ws) => [...alertKinds.values()].map(([kind, severity]): [Labels, number] => [{ workspace: ws, kind, severity }, alertCounts.get(`${ws}\u0000${kind}\u0000${severity}`) ?? 0])),
          )
          .add('aetherboard_heartbeats_accepted_total', 'counter', 'Heartbeats durably stored by this process since it started.', [[{}, src.ingest.accepted]])
          .add('aetherboard_evaluator_lag_seconds', 'gauge', 'How far behind its oldest due deadline the evaluator was at its last pass.', [[{}, src.engine.lastLagMs / 1000]])
          .add('aetherboard_evaluator_pass_seconds', 'gauge', 'How long the last evaluator pass took.', [[{}, src.engine.lastPassMs / 1000]])
          .add(
            'aetherboard_invocations_total',
            'counter',
            'Finished invocations by outcome (abandoned ones count as failures).',
            g.workspaces.flatMap((ws): Array<[Labels, number]> => [
              [{ workspace: ws, outcome: 'success' }, finished.get(ws)?.ok ?? 0],
              [{ workspace: ws, outcome: 'failure' }, finished.get(ws)?.failed ?? 0],
            ]),
          )
          .add('aetherboard_invocations_open', 'gauge', 'Invocations started and not yet completed.', perWs((ws) => open.get(ws) ?? 0))
          .add('aetherboard_invocation_tokens_total', 'counter', 'Tokens used by invocations (refreshed at most every 30 s).', perWs((ws) => g.spend.get(ws)?.tokens ?? 0))
          .add('aetherboard_invocation_cost_usd_total', 'counter', 'Cost of invocations in US dollars (refreshed at most every 30 s).', perWs((ws) => g.spend.get(ws)?.cost ?? 0))
          .add(
            'aetherboard_notifications_total',
            'counter',
            'Pushes to Alertmanager and Slack-compatible webhooks by this process, by result.',
            src.stats
              .samples()
              .filter((s) => scope === null || s.workspace === scope)
              .map((s): [Labels, number] => [{ workspace: s.workspace, target: s.target, result: s.result }, s.n]),
          );
        processMetrics(x);
        return { body: x.text(), headers: { 'content-type': EXPOSITION_CONTENT_TYPE } };
      },
    }),
  ];
}
