import type { z } from 'zod';
import type * as C from '@aetherboard/contracts';

/** What a caller may send (defaults optional) and what the server answers, from the contract schemas. */
export type In<S extends z.ZodType> = z.input<S>;
export type Out<S extends z.ZodType> = z.output<S>;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface PageQuery {
  limit?: number;
  cursor?: string;
}

export type Agent = C.Agent;
export type AgentState = C.AgentState;
export type FireReason = C.FireReason;
export type Transition = C.Transition;
export type CreateAgentInput = In<typeof C.CreateAgent>;
export type UpdateAgentInput = In<typeof C.UpdateAgent>;
export type AgentListQuery = In<typeof C.AgentListQuery>;

export type HeartbeatInput = In<typeof C.HeartbeatBody>;
export type BatchHeartbeatInput = In<typeof C.BatchHeartbeatItem>;
export type Heartbeat = C.Heartbeat;
export type HeartbeatAccepted = Out<typeof C.HeartbeatAccepted>;
export type BatchResult = C.BatchResult;
export type HeartbeatStatus = C.HeartbeatStatus;
export type WorkMode = C.WorkMode;
export type PriorityTier = C.PriorityTier;

export type Alert = C.Alert;
export type AlertListQuery = In<typeof C.AlertListQuery>;
export type AgentEvent = C.AgentEvent;

export type CreateKeyInput = In<typeof C.CreateKey>;
export type KeyCreated = Out<typeof C.KeyCreated>;
export type ApiKey = C.ApiKey;
export type WorkspaceCreated = Out<typeof C.WorkspaceCreated>;

export type Member = C.Member;
export type CreateMemberInput = In<typeof C.CreateMember>;
export type UpdateMemberInput = In<typeof C.UpdateMember>;
export type MemberListQuery = PageQuery & { kind?: C.MemberKind; status?: C.MemberStatus };
export type Pod = C.Pod;
export type CreatePodInput = In<typeof C.CreatePod>;
export type UpdatePodInput = In<typeof C.UpdatePod>;
export type PodListQuery = PageQuery & { team_id?: string };
export type Org = C.Org;

export type Assignment = C.Assignment;
export type CreateAssignmentInput = In<typeof C.CreateAssignment>;
export type UpdateAssignmentInput = In<typeof C.UpdateAssignment>;
export type AssignmentListQuery = In<typeof C.AssignmentListQuery>;
export type ReassignInput = In<typeof C.ReassignRequest>;
export type Reassignment = C.Reassignment;
export type Session = C.Session;
export type CreateSessionInput = In<typeof C.CreateSession>;
export type UpdateSessionInput = In<typeof C.UpdateSession>;

export type Invocation = C.Invocation;
export type InvocationStarted = C.InvocationStarted;
export type StartInvocationInput = In<typeof C.StartInvocation>;
export type CompleteInvocationInput = In<typeof C.CompleteInvocation>;
export type BatchInvocationInput = In<typeof C.BatchInvocationItem>;
export type InvocationBatchResult = C.InvocationBatchResult;
export type InvocationListQuery = In<typeof C.InvocationListQuery>;
export type MetricsPeriod = C.MetricsPeriod;
export type AgentInvocationMetrics = C.AgentInvocationMetrics;
export type MetricsQuery = In<typeof C.MetricsQuery>;
export type TopAgents = C.TopAgents;
export type TopAgentsQuery = In<typeof C.TopAgentsQuery>;
export type GroupAnalytics = C.GroupAnalytics;
export type GroupAnalyticsQuery = In<typeof C.GroupAnalyticsQuery>;

export type FleetSummary = C.FleetSummary;
export type Webhook = C.Webhook;
export type CreateWebhookInput = In<typeof C.CreateWebhook>;
export type WebhookDelivery = C.WebhookDelivery;
export type Silence = C.Silence;
export type CreateSilenceInput = In<typeof C.CreateSilence>;
export type LivenessSettings = C.LivenessSettings;
export type LivenessSettingsPatch = In<typeof C.LivenessSettingsPatch>;

/** GET /api/me: who the key in use is. */
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
