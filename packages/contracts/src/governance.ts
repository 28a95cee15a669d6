import { z } from 'zod';
import { Id, Name, Timestamp } from './common.js';
import { PriorityTier } from './enums.js';

// ---- RACI (seed 000 §3) ----------------------------------------------------------------------

export const RaciActivity = z.enum([
  'agent_creation',
  'capability_assignment',
  'task_assignment',
  'daily_execution',
  'quality_gate',
  'incident_response',
  'lifecycle_transitions',
  'budget_control',
  'retirement',
]);
export type RaciActivity = z.infer<typeof RaciActivity>;
export const RaciRole = z.enum(['workforce_manager', 'pod_lead', 'agent_owner', 'specialist_agent', 'qa_reviewer_agent']);
export type RaciRole = z.infer<typeof RaciRole>;
export const RaciLetter = z.enum(['R', 'A', 'C', 'I']);
export type RaciLetter = z.infer<typeof RaciLetter>;

const Row = z.strictObject({
  workforce_manager: RaciLetter,
  pod_lead: RaciLetter,
  agent_owner: RaciLetter,
  specialist_agent: RaciLetter,
  qa_reviewer_agent: RaciLetter,
});
export const RaciMatrix = z.strictObject(Object.fromEntries(RaciActivity.options.map((a) => [a, Row])) as Record<RaciActivity, typeof Row>);
export type RaciMatrix = z.infer<typeof RaciMatrix>;

/** The matrix of seed 000 §3, the default of every workspace. */
export const DEFAULT_RACI: RaciMatrix = {
  agent_creation: { workforce_manager: 'A', pod_lead: 'R', agent_owner: 'C', specialist_agent: 'I', qa_reviewer_agent: 'I' },
  capability_assignment: { workforce_manager: 'A', pod_lead: 'R', agent_owner: 'R', specialist_agent: 'C', qa_reviewer_agent: 'I' },
  task_assignment: { workforce_manager: 'A', pod_lead: 'R', agent_owner: 'R', specialist_agent: 'C', qa_reviewer_agent: 'I' },
  daily_execution: { workforce_manager: 'I', pod_lead: 'C', agent_owner: 'A', specialist_agent: 'R', qa_reviewer_agent: 'C' },
  quality_gate: { workforce_manager: 'I', pod_lead: 'C', agent_owner: 'A', specialist_agent: 'C', qa_reviewer_agent: 'R' },
  incident_response: { workforce_manager: 'A', pod_lead: 'R', agent_owner: 'R', specialist_agent: 'C', qa_reviewer_agent: 'I' },
  lifecycle_transitions: { workforce_manager: 'A', pod_lead: 'R', agent_owner: 'R', specialist_agent: 'I', qa_reviewer_agent: 'I' },
  budget_control: { workforce_manager: 'A', pod_lead: 'C', agent_owner: 'R', specialist_agent: 'I', qa_reviewer_agent: 'I' },
  retirement: { workforce_manager: 'A', pod_lead: 'R', agent_owner: 'R', specialist_agent: 'I', qa_reviewer_agent: 'I' },
};

// ---- Skills (seed 002 §3) --------------------------------------------------------------------

const Text = z.string().trim().max(4000);
const List = z.array(z.string().trim().min(1).max(500)).max(100);
const Json = z.record(z.string(), z.unknown()).refine((v) => JSON.stringify(v).length <= 16_384, { message: 'at most 16 KiB' });

export const CreateSkill = z.strictObject({
  skill_id: Id.optional(),
  name: Name,
  version: z.string().trim().min(1).max(50),
  owner_id: Id,
  description: Text.optional(),
  input_contract: Json.optional(),
  output_contract: Json.optional(),
  quality_constraints: List.optional(),
  allowed_tools: List.optional(),
  security_profile: z.enum(['low', 'medium', 'high', 'restricted']).default('medium'),
  benchmarks: List.optional(),
  failure_modes: List.optional(),
  recertify_every_days: z.number().int().min(1).max(3650).default(90),
});
export type CreateSkill = z.infer<typeof CreateSkill>;

export const Skill = z.object({
  skill_id: z.string(),
  name: z.string(),
  version: z.string(),
  owner_id: z.string(),
  description: z.string().nullable(),
  input_contract: z.record(z.string(), z.unknown()),
  output_contract: z.record(z.string(), z.unknown()),
  quality_constraints: z.array(z.string()),
  allowed_tools: z.array(z.string()),
  security_profile: z.string(),
  benchmarks: z.array(z.string()),
  failure_modes: z.array(z.string()),
  recertify_every_days: z.number().int(),
  holders: z.number().int(),
  created_at: Timestamp,
});
export type Skill = z.infer<typeof Skill>;

export const SkillStatus = z.enum(['pending', 'validated', 'expired', 'revoked']);
export const GrantSkill = z.strictObject({
  status: SkillStatus.default('validated'),
  expires_at: Timestamp.optional(),
  evidence: z.string().trim().max(2000).optional(),
});
export type GrantSkill = z.infer<typeof GrantSkill>;
export const AgentSkill = z.object({
  agent_id: z.string(),
  skill_id: z.string(),
  status: SkillStatus,
  validated_at: Timestamp.nullable(),
  expires_at: Timestamp.nullable(),
  evidence: z.string().nullable(),
  usable: z.boolean(),
});
export type AgentSkill = z.infer<typeof AgentSkill>;
export const MultiSkillAgent = z.object({ agent_id: z.string(), agent_name: z.string(), skills: z.array(z.string()) });

// ---- Evidence for task contracts (seed 002 §4.2) ---------------------------------------------

export const AttachEvidence = z.strictObject({
  item: z.string().trim().min(1).max(2000),
  url: z.url().max(2000).optional(),
  note: z.string().trim().max(2000).optional(),
});
export type AttachEvidence = z.infer<typeof AttachEvidence>;
export const EvidenceRecord = z.object({ item: z.string(), url: z.string().nullable(), note: z.string().nullable(), attached_by: z.string(), attached_at: Timestamp });
export type EvidenceRecord = z.infer<typeof EvidenceRecord>;

// ---- Budgets ---------------------------------------------------------------------------------

export const BudgetScope = z.enum(['pod', 'team']);
export const PutBudget = z.strictObject({ daily_usd: z.number().finite().positive().max(1e9) });
export const Budget = z.object({
  scope: BudgetScope,
  scope_id: z.string(),
  daily_usd: z.number(),
  spent_today_usd: z.number(),
  fraction: z.number(),
});
export type Budget = z.infer<typeof Budget>;

// ---- Settings, hygiene, reporting lines ------------------------------------------------------

export const GovernanceSettings = z.object({
  pod_size_min: z.number().int().min(1),
  pod_size_max: z.number().int().min(1),
  contract_required_tiers: z.array(PriorityTier),
  budget_warn_fraction: z.number().min(0.1).max(1),
  budget_hard_stop: z.boolean(),
  cost_anomaly_factor: z.number().min(1.1).max(100),
  stale_paused_days: z.number().int().min(1),
  inactive_days: z.number().int().min(1),
  hygiene_interval_days: z.number().int().min(1),
});
export type GovernanceSettings = z.infer<typeof GovernanceSettings>;
export const GovernanceSettingsPatch = z
  .strictObject({
    pod_size_min: z.number().int().min(1).max(1000).optional(),
    pod_size_max: z.number().int().min(1).max(1000).optional(),
    contract_required_tiers: z.array(PriorityTier).max(3).optional(),
    budget_warn_fraction: z.number().min(0.1).max(1).optional(),
    budget_hard_stop: z.boolean().optional(),
    cost_anomaly_factor: z.number().min(1.1).max(100).optional(),
    stale_paused_days: z.number().int().min(1).max(3650).optional(),
    inactive_days: z.number().int().min(1).max(3650).optional(),
    hygiene_interval_days: z.number().int().min(1).max(365).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type GovernanceSettingsPatch = z.infer<typeof GovernanceSettingsPatch>;

export const PathStep = z.object({ level: z.number().int(), member_id: z.string(), name: z.string().nullable(), role: z.string() });
export const EscalationPath = z.object({ agent_id: z.string(), path: z.array(PathStep) });

const AgentRef = z.object({ agent_id: z.string(), agent_name: z.string(), detail: z.string() });
export const HygieneReport = z.object({
  generated_at: Timestamp,
  inactive_to_archive: z.array(AgentRef),
  owners_to_revalidate: z.array(AgentRef),
  top_blocker_codes: z.array(z.object({ blocker_code: z.string(), count: z.number().int() })),
  stale_paused: z.array(AgentRef),
  retired_but_assigned: z.array(AgentRef),
  ownerless_active: z.array(AgentRef),
  pods_outside_size: z.array(z.object({ pod_id: z.string(), agents: z.number().int(), detail: z.string() })),
});
export type HygieneReport = z.infer<typeof HygieneReport>;
