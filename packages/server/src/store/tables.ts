import type { Generated } from 'kysely';

/** Times are epoch milliseconds; JSON is stored as text so both databases read it the same way. */
export interface WorkspacesTable {
  workspace_id: string;
  name: string;
  manager_id: string | null;
  settings: string;
  created_at: number;
}

export interface ApiKeysTable {
  key_id: string;
  workspace_id: string;
  role: string;
  agent_id: string | null;
  member_id: string | null;
  label: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface MembersTable {
  workspace_id: string;
  member_id: string;
  name: string;
  kind: string;
  email: string | null;
  status: string;
  created_at: number;
  updated_at: number;
}

export interface PodsTable {
  workspace_id: string;
  pod_id: string;
  name: string;
  team_id: string;
  lead_id: string;
  created_at: number;
  updated_at: number;
}

export interface AgentsTable {
  workspace_id: string;
  agent_id: string;
  agent_name: string;
  agent_type: string;
  capability_tags: string;
  model_profile: string;
  model: string | null;
  role: string | null;
  owner_id: string;
  secondary_owner_id: string | null;
  team_id: string;
  pod_id: string | null;
  priority_tier: string;
  risk_level: string;
  cost_budget_daily: number | null;
  notes: string | null;
  current_state: string;
  state_changed_at: number;
  health: string;
  health_reason: string | null;
  health_changed_at: number;
  monitor_since: number | null;
  blocked_since: number | null;
  next_deadline: number | null;
  /** SQLite: the newest stored heartbeat, head of the agent's history chain; null on PostgreSQL. */
  last_beat_seq: number | null;
  breach_times: string;
  degraded_times: string;
  last_seen_at: number | null;
  last_status: string | null;
  last_work_mode: string | null;
  last_summary: string | null;
  queue_depth: number | null;
  token_burn_1h: number | null;
  latency_p95_ms: number | null;
  error_count: number;
  last_error: string | null;
  fired_count: number;
  fire_history: string;
  terminated_at: number | null;
  total_tasks: number;
  successful_tasks: number;
  failed_tasks: number;
  total_response_ms: number;
  created_at: number;
  updated_at: number;
}

export interface TransitionsTable {
  seq: Generated<number>;
  workspace_id: string;
  agent_id: string;
  at: number;
  from_state: string;
  to_state: string;
  actor: string;
  reason: string;
}

export interface AssignmentsTable {
  workspace_id: string;
  assignment_id: string;
  agent_id: string;
  workstream_id: string;
  task_id: string | null;
  role_on_task: string;
  start_at: number;
  due_at: number | null;
  status: string;
  blocker_code: string | null;
  percent_complete: number | null;
  contract: string | null;
  pod_id: string | null;
  dri_id: string | null;
  required_skills: string;
  evidence: string;
  blocked_at: number | null;
  completed_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface SkillsTable {
  workspace_id: string;
  skill_id: string;
  name: string;
  version: string;
  owner_id: string;
  spec: string;
  recertify_every_days: number;
  created_at: number;
}

export interface AgentSkillsTable {
  workspace_id: string;
  agent_id: string;
  skill_id: string;
  status: string;
  validated_at: number | null;
  expires_at: number | null;
  evidence: string | null;
  updated_at: number;
}

export interface BudgetsTable {
  workspace_id: string;
  scope: string;
  scope_id: string;
  daily_usd: number;
  updated_at: number;
}

export interface SessionsTable {
  workspace_id: string;
  session_id: string;
  agent_id: string;
  session_key: string;
  label: string | null;
  channel: string | null;
  user_id: string | null;
  context_summary: string | null;
  message_count: number;
  is_active: number;
  started_at: number;
  last_message_at: number | null;
  ended_at: number | null;
  metadata: string;
}

export interface HeartbeatsTable {
  seq: Generated<number>;
  workspace_id: string;
  agent_id: string;
  received_at: number;
  emitted_at: number | null;
  status: string;
  work_mode: string;
  active_assignment_id: string | null;
  queue_depth: number | null;
  error_count_1h: number | null;
  latency_p95_ms: number | null;
  token_burn_1h: number | null;
  summary: string | null;
  /** SQLite: this agent's previous beat (the history chain); always null on PostgreSQL. */
  prev_seq: number | null;
}

export interface AlertsTable {
  alert_id: string;
  workspace_id: string;
  kind: string;
  severity: string;
  agent_id: string | null;
  dedup_key: string;
  status: string;
  summary: string;
  details: string;
  opened_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  ack_note: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  resolve_note: string | null;
  escalation_level: number;
  next_escalation_at: number | null;
  notified: string;
  digested_at: number | null;
}

export interface EventsTable {
  seq: Generated<number>;
  workspace_id: string;
  agent_id: string | null;
  at: number;
  type: string;
  from_value: string | null;
  to_value: string | null;
  reason: string | null;
  alert_id: string | null;
  payload: string;
  dispatched_at: number | null;
}

export interface WebhooksTable {
  webhook_id: string;
  workspace_id: string;
  url: string;
  events: string;
  secret: string;
  active: number;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  delivery_id: Generated<number>;
  workspace_id: string;
  webhook_id: string;
  event_seq: number;
  event_type: string;
  body: string;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface SilencesTable {
  silence_id: string;
  workspace_id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  comment: string;
  created_by: string;
  created_at: number;
  expired_handled: number;
}

export interface LeasesTable {
  name: string;
  holder: string;
  epoch: number;
  expires_at: number;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface DB {
  workspaces: WorkspacesTable;
  api_keys: ApiKeysTable;
  members: MembersTable;
  pods: PodsTable;
  agents: AgentsTable;
  agent_transitions: TransitionsTable;
  assignments: AssignmentsTable;
  sessions: SessionsTable;
  heartbeats: HeartbeatsTable;
  meta: MetaTable;
  leases: LeasesTable;
  alerts: AlertsTable;
  events: EventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  silences: SilencesTable;
  skills: SkillsTable;
  agent_skills: AgentSkillsTable;
  budgets: BudgetsTable;
}
