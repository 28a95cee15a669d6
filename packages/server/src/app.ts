import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ManualClock, type Clock } from './clock.js';
import { Authenticator } from './api/auth.js';
import { buildHttp } from './api/http.js';
import { buildOpenApi } from './api/openapi.js';
import { RateLimiter } from './api/rate-limit.js';
import type { AnyRoute } from './api/route.js';
import { agentRoutes } from './api/routes/agents.js';
import { analyticsRoutes } from './api/routes/analytics.js';
import { invocationRoutes } from './api/routes/invocations.js';
import type { RouteDeps } from './api/routes/deps.js';
import { fleetRoutes } from './api/routes/fleet.js';
import { eventRoutes } from './api/routes/events.js';
import { meRoutes } from './api/routes/me.js';
import { staticRoutes } from './api/routes/static.js';
import { orgRoutes } from './api/routes/org.js';
import { systemRoutes } from './api/routes/system.js';
import { workRoutes } from './api/routes/work.js';
import { workspaceRoutes } from './api/routes/workspaces.js';
import { alertRoutes } from './api/routes/alerts.js';
import { heartbeatRoutes } from './api/routes/heartbeats.js';
import { silenceRoutes } from './api/routes/silences.js';
import { governanceRoutes } from './api/routes/governance.js';
import { webhookRoutes } from './api/routes/webhooks.js';
import { Engine } from './engine/engine.js';
import { WebhookNotifier } from './engine/notifiers/webhook.js';
import { governanceTask } from './engine/governance-task.js';
import type { Notifier } from './engine/notifiers/notifier.js';
import { HeartbeatIngest } from './service/heartbeats.js';
import { createIntegrations, integrationRoutes, isRawRoute, mountRawRoutes, type IntegrationOptions } from './integrations/index.js';
import { sweepAbandoned } from './service/invocations.js';
import { countOpenAlerts } from './store/alerts.js';
import { heartbeatStore } from './store/heartbeats.js';
import { PgBusBridge } from './store/pg-bus.js';
import { ChangeBus, PolicyCache, ulidGen, type ServiceContext } from './service/context.js';
import type { Database } from './store/db.js';
import { invocationSpend } from './store/invocations.js';
import { VERSION } from './version.js';

export interface AppDeps {
  database: Database;
  clock: Clock;
  logger?: Logger | false;
  /** Requests per second per API key; 0 turns the limiter off. */
  rateLimitPerSecond?: number;
  /** The built dashboard; defaults to the web package's dist folder. */
  webDir?: string;
  /** How long raw heartbeats are kept (flips and alerts are kept for good). */
  heartbeatRetentionMs?: number;
  /** Where notifications go; webhooks by default. */
  notifier?: Notifier;
  /** Real-clock engine pass interval. */
  engineTickMs?: number;
  /** PostgreSQL replicas: engine lease length. */
  leaseTtlMs?: number;
  /** Alertmanager, Slack and /metrics options; read from the environment when absent. */
  integrations?: IntegrationOptions;
}

export interface App {
  http: FastifyInstance;
  svc: ServiceContext;
  routes: AnyRoute[];
  engine: Engine;
  ingest: HeartbeatIngest;
  /** Runs every evaluation that is due at the clock's current time. */
  runDue(): Promise<void>;
  /** Starts what runs by itself (restart grace, the engine loop on the real clock). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** One place wires the app; nothing starts here, so tests build the very same thing. */
export function createApp(deps: AppDeps): App {
  const { database, clock } = deps;
  const svc: ServiceContext = { database, clock, ids: ulidGen(clock), policies: new PolicyCache(database), bus: new ChangeBus() };
  const auth = new Authenticator(database, clock);
  const perSecond = deps.rateLimitPerSecond ?? 5000;
  const limiter = new RateLimiter(clock, perSecond, perSecond * 2);
  const integrations = createIntegrations(svc, deps.integrations);
  const engine = new Engine(svc, {
    retentionMs: deps.heartbeatRetentionMs ?? 7 * 86_400_000,
    notifier: deps.notifier ?? new WebhookNotifier(),
    tickMs: deps.engineTickMs,
    leaseTtlMs: deps.leaseTtlMs,
    // Invocations that never completed are closed as abandoned failures.
    extraTasks: [sweepAbandoned, governanceTask(), ...integrations.tasks],
  });
  const ingest = new HeartbeatIngest(svc, heartbeatStore(database), (keys) => engine.evaluateNow(keys));
  const runDue = (): Promise<void> => engine.runDue();
  const bridge = database.dialect === 'postgres' ? new PgBusBridge(database, svc.bus) : null;
  svc.bus.on((e) => {
    if (e.type === 'settings.changed') svc.policies.invalidate(e.workspace_id);
  });
  let openapi: Record<string, unknown> | undefined;
  const routeDeps: RouteDeps = {
    svc,
    auth,
    manualClock: clock instanceof ManualClock ? clock : null,
    engine,
    version: VERSION,
    openapi: () => (openapi ??= buildOpenApi(routes, VERSION)),
  };
  const routes: AnyRoute[] = [
    ...systemRoutes(routeDeps),
    ...workspaceRoutes(routeDeps),
    ...orgRoutes(routeDeps),
    ...agentRoutes(routeDeps),
    ...workRoutes(routeDeps),
    ...heartbeatRoutes(routeDeps, ingest),
    ...alertRoutes(routeDeps),
    ...webhookRoutes(routeDeps),
    ...silenceRoutes(routeDeps),
    ...governanceRoutes(routeDeps),
    ...fleetRoutes(routeDeps, invocationSpend, (ws) => countOpenAlerts(database.db, ws)),
    ...invocationRoutes(routeDeps),
    ...analyticsRoutes(routeDeps),
    ...meRoutes(routeDeps),
    ...eventRoutes(routeDeps),
    ...integrationRoutes(routeDeps, integrations, { ingest, engine }),
    ...staticRoutes({ webDir: deps.webDir }),
  ];
  const http = buildHttp(routes.filter((r) => !isRawRoute(r)), { auth, limiter, logger: deps.logger ?? false, durable: () => database.durable() });
  mountRawRoutes(http, routes, { auth, limiter });
  return {
    http,
    svc,
    routes,
    engine,
    ingest,
    runDue,
    start: async () => {
      await bridge?.start();
      await engine.start();
    },
    close: async () => {
      await http.close();
      await engine.stop();
      await bridge?.stop();
      await auth.flushTouched();
      await integrations.stop();
    },
  };
}
