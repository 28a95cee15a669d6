// The dashboard speaks the API's own words: types come from the contracts, values never do
// (importing them would ship the schema library to the browser).
import type {
  Agent,
  AgentEvent,
  AgentState,
  Alert,
  AlertKind,
  AlertSeverity,
  AlertStatus,
  Assignment,
  FireReason,
  FleetSummary,
  Health,
  Heartbeat,
  Member,
  Page,
  Pod,
  PriorityTier,
  Session,
  TaskContract,
  Transition,
} from '@aetherboard/contracts';

export type {
  Agent,
  AgentEvent,
  AgentState,
  Alert,
  AlertKind,
  AlertSeverity,
  AlertStatus,
  Assignment,
  FireReason,
  FleetSummary,
  Health,
  Heartbeat,
  Member,
  Page,
  Pod,
  PriorityTier,
  Session,
  TaskContract,
  Transition,
};

/** GET /api/me */
export interface Me {
  workspace_id: string;
  workspace_name: string;
  key_id: string;
  role: 'agent' | 'viewer' | 'operator' | 'admin' | 'root';
  agent_id: string | null;
  member_id: string | null;
  actor: string;
  can: { read: boolean; operate: boolean; administer: boolean };
}

/** GET /api/agents/:id/metrics (contract §8); absent on servers without invocation tracking. */
export interface AgentPerformance {
  total_invocations: number;
  success_rate: number;
  avg_execution_time_ms: number;
  avg_complexity_handled?: number;
  efficiency_score: number;
}

/** Kept in step with the contract's enums by the `satisfies` checks below. */
export const STATES = ['registered', 'ready', 'assigned', 'executing', 'blocked', 'degraded', 'escalated', 'paused', 'retired', 'archived'] as const satisfies readonly AgentState[];
export const HEALTHS = ['healthy', 'at_risk', 'breach', 'critical', 'not_monitored'] as const satisfies readonly Health[];
export const TIERS = ['P0', 'P1', 'P2'] as const satisfies readonly PriorityTier[];
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const satisfies readonly AlertStatus[];
export const SEVERITIES = ['P1', 'P2'] as const satisfies readonly AlertSeverity[];
export const ALERT_KINDS = [
  'heartbeat_breach',
  'agent_offline',
  'repeated_degraded',
  'p0_assignment_blocked',
  'ownerless_agent',
  'degraded_timeout',
  'error_trend_rising',
  'cost_burn_anomaly',
  'queue_imbalance',
  'lifecycle_hygiene',
  'fleet_outage',
  'budget_exhausted',
  'budget_warning',
  'skill_recertification_due',
] as const satisfies readonly AlertKind[];

export const FIRE_REASONS = [
  { value: 'derailed', label: 'Derailed', hint: 'Went off track from its task' },
  { value: 'obstinate', label: 'Obstinate', hint: 'Refused to follow instructions' },
  { value: 'dumb', label: 'Low quality', hint: 'Responses below the bar' },
  { value: 'unresponsive', label: 'Unresponsive', hint: 'Stopped responding' },
  { value: 'corrupted', label: 'Corrupted', hint: 'Its context became corrupted' },
] as const satisfies ReadonlyArray<{ value: FireReason; label: string; hint: string }>;

/** Contract §5: the legal lifecycle moves; the detail view offers only these. */
export const LEGAL: Readonly<Record<AgentState, readonly AgentState[]>> = {
  registered: ['ready'],
  ready: ['assigned', 'paused', 'retired'],
  assigned: ['executing', 'ready'],
  executing: ['blocked', 'degraded', 'paused', 'assigned', 'ready'],
  blocked: ['escalated', 'executing'],
  escalated: ['executing'],
  degraded: ['executing'],
  paused: ['ready', 'retired'],
  retired: ['archived'],
  archived: [],
};

// Compile-time proof that the lists above name every member of the contract's enums.
type Missing<All, Listed> = Exclude<All, Listed>;
const exhaustive = <T extends never>(): T | undefined => undefined;
exhaustive<Missing<AgentState, (typeof STATES)[number]>>();
exhaustive<Missing<Health, (typeof HEALTHS)[number]>>();
exhaustive<Missing<AlertKind, (typeof ALERT_KINDS)[number]>>();
exhaustive<Missing<FireReason, (typeof FIRE_REASONS)[number]['value']>>();
