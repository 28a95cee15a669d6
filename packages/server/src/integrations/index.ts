import type { AnyRoute } from '../api/route.js';
import type { RouteDeps } from '../api/routes/deps.js';
import { integrationSettingsRoutes } from '../api/routes/integrations-settings.js';
import { metricsRoutes } from '../api/routes/metrics.js';
import { otlpRoutes } from '../api/routes/otlp.js';
import { AlertmanagerForwarder } from '../engine/notifiers/alertmanager.js';
import { SlackForwarder } from '../engine/notifiers/slack.js';
import type { ServiceContext } from '../service/context.js';
import type { HeartbeatIngest } from '../service/heartbeats.js';
import { escalationRoutes } from './escalation.js';
import { integrationOptionsFromEnv, type IntegrationOptions } from './settings.js';
import { NotifyStats } from './stats.js';

export { isRawRoute, mountRawRoutes } from './raw-route.js';
export type { IntegrationOptions } from './settings.js';

/** Called by the engine with `(now)` or `(ctx, now)`; the forwarders keep their own context. */
type EngineTask = (...args: [number] | [ServiceContext, number]) => Promise<unknown>;

export interface Integrations {
  options: IntegrationOptions;
  stats: NotifyStats;
  /** Engine tasks: Alertmanager and Slack forwarding. */
  tasks: EngineTask[];
  /** Waits for pushes still in flight (they run beside the engine on the real clock). */
  stop(): Promise<void>;
}

/**
 * On the real clock a push runs beside the engine pass, so a slow or unreachable receiver never
 * delays liveness evaluation; on the manual clock it completes within the pass, in order.
 */
function background(svc: ServiceContext, name: string, run: (now: number) => Promise<void>) {
  let inflight: Promise<void> | null = null;
  const task: EngineTask = async (...args): Promise<void> => {
    const now = args.length === 1 ? args[0] : args[1];
    if (inflight) {
      if (svc.clock.kind === 'real') return;
      await inflight;
    }
    const p = run(now)
      .catch((err: unknown) => {
        process.stderr.write(`${name}: pass failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      })
      .finally(() => {
        if (inflight === p) inflight = null;
      });
    inflight = p;
    if (svc.clock.kind === 'manual') await p;
  };
  return { task, drain: async () => void (await inflight) };
}

/** Options default to the environment: AETHERBOARD_ALERTMANAGER_URL, AETHERBOARD_SLACK_WEBHOOK_URL, AETHERBOARD_METRICS_PUBLIC. */
export function createIntegrations(svc: ServiceContext, given?: IntegrationOptions): Integrations {
  const options = given ?? integrationOptionsFromEnv(process.env);
  const stats = new NotifyStats();
  const am = new AlertmanagerForwarder(svc, options, stats);
  const slack = new SlackForwarder(svc, options, stats);
  const jobs = [background(svc, 'alertmanager', (now) => am.run(now)), background(svc, 'slack', (now) => slack.run(now))];
  return {
    options,
    stats,
    tasks: jobs.map((j) => j.task),
    stop: async () => {
      await Promise.all(jobs.map((j) => j.drain()));
    },
  };
}

export function integrationRoutes(
  d: RouteDeps,
  x: Integrations,
  live: { ingest: HeartbeatIngest; engine: { lastLagMs: number; lastPassMs: number } },
): AnyRoute[] {
  return [
    ...otlpRoutes(d, live.ingest, x.options),
    ...metricsRoutes(d, { engine: live.engine, ingest: live.ingest, stats: x.stats, version: d.version }, x.options),
    ...integrationSettingsRoutes(d, x.options),
    ...escalationRoutes(d, live.ingest),
  ];
}
