import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { AgentState, Health, PriorityTier } from './enums.js';

export const P1_ALERT_KINDS = ['heartbeat_breach', 'agent_offline', 'repeated_degraded', 'p0_assignment_blocked', 'ownerless_agent', 'degraded_timeout'] as const;
export const P2_ALERT_KINDS = ['error_trend_rising', 'cost_burn_anomaly', 'queue_imbalance', 'lifecycle_hygiene'] as const;
/**
 * Beyond the seed's catalog: `fleet_outage` stands in for thousands of per-agent pages when much of
 * the fleet goes silent at once; budgets warn at 90 % and page when exhausted; skills fall due for
 * recertification.
 */
export const EXTRA_P1_ALERT_KINDS = ['fleet_outage', 'budget_exhausted'] as const;
export const EXTRA_P2_ALERT_KINDS = ['budget_warning', 'skill_recertification_due'] as const;
export const AlertKind = z.enum([...P1_ALERT_KINDS, ...P2_ALERT_KINDS, ...EXTRA_P1_ALERT_KINDS, ...EXTRA_P2_ALERT_KINDS]);
export type AlertKind = z.infer<typeof AlertKind>;
export const AlertSeverity = z.enum(['P1', 'P2']);
export type AlertSeverity = z.infer<typeof AlertSeverity>;
export const AlertStatus = z.enum(['open', 'acknowledged', 'resolved']);
export type AlertStatus = z.infer<typeof AlertStatus>;

export const Notified = z.object({ member_id: z.string(), level: z.number().int(), role: z.string(), at: Timestamp });

export const Alert = z.object({
  alert_id: z.string(),
  kind: AlertKind,
  severity: AlertSeverity,
  agent_id: z.string().nullable(),
  dedup_key: z.string(),
  status: AlertStatus,
  summary: z.string(),
  details: z.record(z.string(), z.unknown()),
  opened_at: Timestamp,
  acknowledged_at: Timestamp.nullable(),
  acknowledged_by: z.string().nullable(),
  resolved_at: Timestamp.nullable(),
  resolved_by: z.string().nullable(),
  escalation_level: z.number().int(),
  next_escalation_at: Timestamp.nullable(),
  notified: z.array(Notified),
});
export type Alert = z.infer<typeof Alert>;

export const AlertListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(512).optional(),
  status: AlertStatus.optional(),
  severity: AlertSeverity.optional(),
  agent_id: Id.optional(),
  kind: AlertKind.optional(),
  pod_id: Id.optional(),
});
export type AlertListQuery = z.infer<typeof AlertListQuery>;

export const AlertNote = z.strictObject({ note: z.string().trim().max(2000).optional() });

export const WEBHOOK_EVENTS = [
  'alert.opened',
  'alert.escalated',
  'alert.acknowledged',
  'alert.resolved',
  'alert.digest',
  'agent.health_changed',
  'agent.state_changed',
  'raci.activity',
  'hygiene.report',
] as const;
export const WebhookEvent = z.enum([...WEBHOOK_EVENTS, '*']);
export type WebhookEvent = z.infer<typeof WebhookEvent>;

export const CreateWebhook = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2000),
  events: z.array(WebhookEvent).min(1).max(WEBHOOK_EVENTS.length + 1),
  secret: z.string().min(16, 'use at least 16 characters').max(256),
});
export type CreateWebhook = z.infer<typeof CreateWebhook>;

export const Webhook = z.object({
  webhook_id: z.string(),
  url: z.string(),
  events: z.array(WebhookEvent),
  active: z.boolean(),
  created_at: Timestamp,
});
export type Webhook = z.infer<typeof Webhook>;

export const WebhookDelivery = z.object({
  delivery_id: z.string(),
  webhook_id: z.string(),
  event_type: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  next_attempt_at: Timestamp.nullable(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: Timestamp,
  delivered_at: Timestamp.nullable(),
  body: z.unknown(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const SilenceMatchers = z
  .strictObject({ agent_id: Id.optional(), pod_id: Id.optional(), team_id: Id.optional(), kind: AlertKind.optional() })
  .refine((m) => Object.keys(m).length > 0, { message: 'name at least one of agent_id, pod_id, team_id, kind' });
export const CreateSilence = z
  .strictObject({ matchers: SilenceMatchers, starts_at: Timestamp.optional(), ends_at: Timestamp, comment: z.string().trim().min(1).max(1000) })
  .refine((s) => !s.starts_at || Date.parse(s.ends_at) > Date.parse(s.starts_at), { message: 'ends_at must be after starts_at', path: ['ends_at'] });
export type CreateSilence = z.infer<typeof CreateSilence>;
export const Silence = z.object({
  silence_id: z.string(),
  matchers: z.object({ agent_id: z.string().optional(), pod_id: z.string().optional(), team_id: z.string().optional(), kind: AlertKind.optional() }),
  starts_at: Timestamp,
  ends_at: Timestamp,
  comment: z.string(),
  created_by: z.string(),
  created_at: Timestamp,
  active: z.boolean(),
});
export type Silence = z.infer<typeof Silence>;

/** One entry of an agent's flip history: every health and state change, and what it set off. */
export const AgentEvent = z.object({
  seq: z.string(),
  at: Timestamp,
  type: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  reason: z.string().nullable(),
  alert_id: z.string().nullable(),
});
export type AgentEvent = z.infer<typeof AgentEvent>;

const Seconds = z.number().int().min(1).max(30 * 86_400);
const PerTier = z.strictObject({ P0: Seconds, P1: Seconds, P2: Seconds });

/** Liveness settings of a workspace, in seconds; the seeds' numbers are the defaults. */
export const LivenessSettings = z.object({
  cadence_s: PerTier,
  grace_fraction: z.number().min(0).max(0.25),
  blocked_limit_s: PerTier,
  degraded_limit_s: PerTier,
  error_budget_1h: z.number().int().min(0),
  repeated_breach_count: z.number().int().min(2).max(100),
  repeated_degraded_count: z.number().int().min(2).max(100),
  ack_timeout_s: Seconds,
  digest_interval_s: Seconds,
  fleet_outage_fraction: z.number().min(0.05).max(1),
  fleet_outage_min_agents: z.number().int().min(2),
});
export type LivenessSettings = z.infer<typeof LivenessSettings>;
export const LivenessSettingsPatch = z
  .strictObject({
    cadence_s: PerTier.partial().optional(),
    grace_fraction: z.number().min(0).max(0.25).optional(),
    blocked_limit_s: PerTier.partial().optional(),
    degraded_limit_s: PerTier.partial().optional(),
    error_budget_1h: z.number().int().min(0).max(1e6).optional(),
    repeated_breach_count: z.number().int().min(2).max(100).optional(),
    repeated_degraded_count: z.number().int().min(2).max(100).optional(),
    ack_timeout_s: Seconds.optional(),
    digest_interval_s: Seconds.optional(),
    fleet_outage_fraction: z.number().min(0.05).max(1).optional(),
    fleet_outage_min_agents: z.number().int().min(2).max(1e7).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type LivenessSettingsPatch = z.infer<typeof LivenessSettingsPatch>;

export const HealthExplanation = z.object({ health: Health, reason: z.string(), state: AgentState, tier: PriorityTier });
