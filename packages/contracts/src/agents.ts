import { z } from 'zod';
import { Id, Name, Reason, Timestamp } from './common.js';
import { AgentState, AgentType, FireReason, Health, HeartbeatStatus, PriorityTier, RiskLevel, WorkMode } from './enums.js';

const Tag = z.string().trim().min(1).max(64);
const Budget = z.number().finite().nonnegative().max(1e9);
const Notes = z.string().max(10_000);

export const CreateAgent = z.strictObject({
  agent_id: Id.optional(),
  agent_name: Name,
  agent_type: AgentType,
  capability_tags: z.array(Tag).min(1).max(64),
  model_profile: z.string().trim().min(1).max(200),
  model: z.string().trim().min(1).max(200).optional(),
  owner_id: Id,
  secondary_owner_id: Id.optional(),
  team_id: Id,
  pod_id: Id.optional(),
  role: z.string().trim().min(1).max(200).optional(),
  priority_tier: PriorityTier,
  risk_level: RiskLevel,
  cost_budget_daily: Budget.optional(),
  notes: Notes.optional(),
});
export type CreateAgent = z.infer<typeof CreateAgent>;

export const UpdateAgent = z
  .strictObject({
    agent_name: Name.optional(),
    agent_type: AgentType.optional(),
    capability_tags: z.array(Tag).min(1).max(64).optional(),
    model_profile: z.string().trim().min(1).max(200).optional(),
    model: z.string().trim().min(1).max(200).nullable().optional(),
    owner_id: Id.optional(),
    secondary_owner_id: Id.nullable().optional(),
    team_id: Id.optional(),
    pod_id: Id.nullable().optional(),
    role: z.string().trim().min(1).max(200).nullable().optional(),
    priority_tier: PriorityTier.optional(),
    risk_level: RiskLevel.optional(),
    cost_budget_daily: Budget.nullable().optional(),
    notes: Notes.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type UpdateAgent = z.infer<typeof UpdateAgent>;

export const FireRecord = z.object({
  fired_at: Timestamp,
  reason: FireReason,
  context: z.string().nullable(),
  actor: z.string(),
  from_state: AgentState,
});
export type FireRecord = z.infer<typeof FireRecord>;

export const AgentMetrics = z.object({
  total_tasks: z.number().int(),
  successful_tasks: z.number().int(),
  failed_tasks: z.number().int(),
  avg_response_time_ms: z.number(),
});
export type AgentMetrics = z.infer<typeof AgentMetrics>;

export const Agent = z.object({
  agent_id: z.string(),
  agent_name: z.string(),
  agent_type: AgentType,
  capability_tags: z.array(z.string()),
  model_profile: z.string(),
  model: z.string().nullable(),
  role: z.string().nullable(),
  owner_id: z.string(),
  secondary_owner_id: z.string().nullable(),
  team_id: z.string(),
  pod_id: z.string().nullable(),
  priority_tier: PriorityTier,
  risk_level: RiskLevel,
  cost_budget_daily: z.number().nullable(),
  notes: z.string().nullable(),
  current_state: AgentState,
  state_changed_at: Timestamp,
  health: Health,
  health_reason: z.string().nullable(),
  last_seen_at: Timestamp.nullable(),
  last_status: HeartbeatStatus.nullable(),
  last_work_mode: WorkMode.nullable(),
  last_summary: z.string().nullable(),
  /** From the latest heartbeat that reported them. */
  queue_depth: z.number().int().nullable(),
  latency_p95_ms: z.number().int().nullable(),
  token_burn_1h: z.number().int().nullable(),
  error_count: z.number().int(),
  last_error: z.string().nullable(),
  fired_count: z.number().int(),
  fire_history: z.array(FireRecord),
  terminated_at: Timestamp.nullable(),
  metrics: AgentMetrics,
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Agent = z.infer<typeof Agent>;

export const AgentListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(512).optional(),
  state: AgentState.optional(),
  health: Health.optional(),
  team_id: Id.optional(),
  pod_id: Id.optional(),
  priority_tier: PriorityTier.optional(),
  owner_id: Id.optional(),
});
export type AgentListQuery = z.infer<typeof AgentListQuery>;

export const TransitionRequest = z.strictObject({ to: AgentState, reason: Reason });
export type TransitionRequest = z.infer<typeof TransitionRequest>;

export const FireRequest = z.strictObject({ reason: FireReason, context: z.string().trim().max(4000).optional() });
export type FireRequest = z.infer<typeof FireRequest>;

export const Transition = z.object({
  transition_id: z.string(),
  agent_id: z.string(),
  at: Timestamp,
  from: AgentState,
  to: AgentState,
  actor: z.string(),
  reason: z.string(),
});
export type Transition = z.infer<typeof Transition>;
