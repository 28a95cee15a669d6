import type { Kysely } from 'kysely';
import { z } from 'zod';
import { DEFAULT_WORKSPACE } from '../bootstrap.js';
import { parseJson } from '../store/codec.js';
import type { DB } from '../store/tables.js';
import { getWorkspace, updateSettingsSection } from '../store/workspaces.js';

export const UnknownAgents = z.enum(['register', 'reject']);
const HookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2048);

/** Per workspace, stored under `integrations` in the workspace settings, next to `liveness`. */
export const IntegrationSettings = z.object({
  otlp_unknown_agents: UnknownAgents.describe("spans naming an agent the roster does not know: 'register' it (owned by the workforce manager) or 'reject' the spans"),
  alertmanager_url: HookUrl.nullable().describe('base URL of an Alertmanager; alerts go to its /api/v2/alerts'),
  slack_webhook_url: HookUrl.nullable().describe('a Slack-compatible incoming-webhook URL for P1 alert events'),
  from_environment: z.array(z.string()).describe('settings whose value comes from the server environment (default workspace only)'),
});
export type IntegrationSettings = z.infer<typeof IntegrationSettings>;

export const IntegrationSettingsPatch = z.strictObject({
  otlp_unknown_agents: UnknownAgents.optional(),
  alertmanager_url: HookUrl.nullable().optional().describe('null removes it'),
  slack_webhook_url: HookUrl.nullable().optional().describe('null removes it'),
});
export type IntegrationSettingsPatch = z.infer<typeof IntegrationSettingsPatch>;

type Stored = Partial<Pick<IntegrationSettings, 'otlp_unknown_agents' | 'alertmanager_url' | 'slack_webhook_url'>>;

/** What the server process brings, read once at start. */
export interface IntegrationOptions {
  /** Alertmanager for the default workspace when its settings name none (AETHERBOARD_ALERTMANAGER_URL). */
  alertmanagerUrl?: string;
  /** Incoming webhook for the default workspace when its settings name none (AETHERBOARD_SLACK_WEBHOOK_URL). */
  slackWebhookUrl?: string;
  /** `GET /metrics` without a key (AETHERBOARD_METRICS_PUBLIC=1). */
  metricsPublic?: boolean;
  /** How often open alerts are re-sent to Alertmanager; default 60 s. */
  alertmanagerResendMs?: number;
}

export function integrationOptionsFromEnv(env: NodeJS.ProcessEnv): IntegrationOptions {
  const url = (v: string | undefined): string | undefined => {
    if (!v) return undefined;
    const r = HookUrl.safeParse(v);
    if (!r.success) throw new Error(`invalid configuration: ${v} is not an http(s) URL`);
    return r.data;
  };
  return {
    alertmanagerUrl: url(env.AETHERBOARD_ALERTMANAGER_URL),
    slackWebhookUrl: url(env.AETHERBOARD_SLACK_WEBHOOK_URL),
    metricsPublic: env.AETHERBOARD_METRICS_PUBLIC === '1' || env.AETHERBOARD_METRICS_PUBLIC === 'true',
  };
}

function storedOf(settings: string | null): Stored {
  try {
    const s = parseJson<{ integrations?: Stored }>(settings, {});
    return s.integrations ?? {};
  } catch {
    return {};
  }
}

/** The settings in force: stored values, then the environment (default workspace), then defaults. */
export function effectiveSettings(ws: string, settings: string | null, opts: IntegrationOptions): IntegrationSettings {
  const s = storedOf(settings);
  const fromEnv: string[] = [];
  const envFor = (stored: string | null | undefined, env: string | undefined, key: string): string | null => {
    if (stored) return stored;
    if (ws === DEFAULT_WORKSPACE && env) {
      fromEnv.push(key);
      return env;
    }
    return null;
  };
  return {
    otlp_unknown_agents: s.otlp_unknown_agents ?? 'reject',
    alertmanager_url: envFor(s.alertmanager_url, opts.alertmanagerUrl, 'alertmanager_url'),
    slack_webhook_url: envFor(s.slack_webhook_url, opts.slackWebhookUrl, 'slack_webhook_url'),
    from_environment: fromEnv,
  };
}

export async function readSettings(db: Kysely<DB>, ws: string, opts: IntegrationOptions): Promise<IntegrationSettings> {
  const w = await getWorkspace(db, ws);
  return effectiveSettings(ws, w?.settings ?? null, opts);
}

export async function patchSettings(db: Kysely<DB>, ws: string, patch: IntegrationSettingsPatch): Promise<void> {
  await updateSettingsSection<Stored>(db, ws, 'integrations', (cur) => {
    const next: Stored = { ...(cur ?? {}) };
    if (patch.otlp_unknown_agents !== undefined) next.otlp_unknown_agents = patch.otlp_unknown_agents;
    if (patch.alertmanager_url !== undefined) next.alertmanager_url = patch.alertmanager_url;
    if (patch.slack_webhook_url !== undefined) next.slack_webhook_url = patch.slack_webhook_url;
    return next;
  });
}

/** Every workspace with the settings in force, for the notifiers' passes. */
export async function allSettings(db: Kysely<DB>, opts: IntegrationOptions): Promise<Array<{ ws: string; settings: IntegrationSettings }>> {
  const rows = await db.selectFrom('workspaces').select(['workspace_id', 'settings']).execute();
  return rows.map((r) => ({ ws: r.workspace_id, settings: effectiveSettings(r.workspace_id, r.settings, opts) }));
}
