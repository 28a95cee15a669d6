import { z } from 'zod';
import { Id, Reason, Timestamp } from './common.js';
import { AssignmentStatus, BlockerCode, RoleOnTask } from './enums.js';

const Line = z.string().trim().min(1).max(2000);
const Lines = z.array(Line).max(100);

/** The coordination contract of seed 002 §4.2. */
export const TaskContract = z.strictObject({
  scope: Line,
  non_goals: Lines.default([]),
  inputs: Lines.default([]),
  dependencies: Lines.default([]),
  definition_of_done: Lines.min(1),
  evidence: Lines.default([]).describe('evidence the work must produce before it is done'),
  rollback: Line.optional(),
});
export type TaskContract = z.infer<typeof TaskContract>;

export const CreateAssignment = z.strictObject({
  assignment_id: Id.optional(),
  agent_id: Id,
  workstream_id: Id,
  task_id: Id.optional(),
  role_on_task: RoleOnTask,
  start_at: Timestamp.optional(),
  due_at: Timestamp.optional(),
  contract: TaskContract.optional(),
  /** The pod that owns the work; when it is not the agent's own pod the work is cross-pod and needs a DRI. */
  pod_id: Id.optional(),
  /** The one directly responsible individual for cross-pod work. */
  dri_id: Id.optional(),
  /** Skills the agent must hold validated to take this work. */
  required_skills: z.array(Id).max(50).optional(),
});
export type CreateAssignment = z.infer<typeof CreateAssignment>;

export const UpdateAssignment = z
  .strictObject({
    status: AssignmentStatus.optional(),
    blocker_code: BlockerCode.nullable().optional(),
    percent_complete: z.number().int().min(0).max(100).optional(),
    due_at: Timestamp.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type UpdateAssignment = z.infer<typeof UpdateAssignment>;

export const Assignment = z.object({
  assignment_id: z.string(),
  agent_id: z.string(),
  workstream_id: z.string(),
  task_id: z.string().nullable(),
  role_on_task: RoleOnTask,
  start_at: Timestamp,
  due_at: Timestamp.nullable(),
  status: AssignmentStatus,
  blocker_code: BlockerCode.nullable(),
  percent_complete: z.number().int().nullable(),
  contract: TaskContract.nullable(),
  pod_id: z.string().nullable(),
  dri_id: z.string().nullable(),
  required_skills: z.array(z.string()),
  evidence: z.array(z.object({ item: z.string(), url: z.string().nullable(), note: z.string().nullable(), attached_by: z.string(), attached_at: Timestamp })),
  /** Contract evidence items nothing has been attached for yet; `done` waits for none. */
  missing_evidence: z.array(z.string()),
  blocked_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Assignment = z.infer<typeof Assignment>;

export const ReassignRequest = z.strictObject({
  agent_id: Id.describe('the agent that takes the work over'),
  reason: Reason.optional(),
});
export type ReassignRequest = z.infer<typeof ReassignRequest>;
export const Reassignment = z.object({
  handed_off: Assignment.describe('the original assignment, now `handoff`'),
  assignment: Assignment.describe('the same work, now with the new agent'),
});
export type Reassignment = z.infer<typeof Reassignment>;

export const AssignmentListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(512).optional(),
  agent_id: Id.optional(),
  workstream_id: Id.optional(),
  status: AssignmentStatus.optional(),
  pod_id: Id.optional().describe("only assignments of agents now in this pod"),
  team_id: Id.optional().describe("only assignments of agents now in this team"),
});
export type AssignmentListQuery = z.infer<typeof AssignmentListQuery>;

const Metadata = z.record(z.string(), z.unknown()).refine((m) => JSON.stringify(m).length <= 16_384, {
  message: 'metadata must serialise to at most 16 KiB',
});

export const CreateSession = z.strictObject({
  session_key: z.string().trim().min(1).max(256),
  label: z.string().trim().max(200).optional(),
  channel: z.string().trim().max(100).optional(),
  user_id: Id.optional(),
  context_summary: z.string().max(10_000).optional(),
  metadata: Metadata.optional(),
});
export type CreateSession = z.infer<typeof CreateSession>;

export const UpdateSession = z
  .strictObject({
    label: z.string().trim().max(200).nullable().optional(),
    context_summary: z.string().max(10_000).nullable().optional(),
    message_count: z.number().int().min(0).max(1e9).optional(),
    last_message_at: Timestamp.optional(),
    is_active: z.boolean().optional(),
    metadata: Metadata.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type UpdateSession = z.infer<typeof UpdateSession>;

export const Session = z.object({
  session_id: z.string(),
  agent_id: z.string(),
  session_key: z.string(),
  label: z.string().nullable(),
  channel: z.string().nullable(),
  user_id: z.string().nullable(),
  context_summary: z.string().nullable(),
  message_count: z.number().int(),
  is_active: z.boolean(),
  started_at: Timestamp,
  last_message_at: Timestamp.nullable(),
  ended_at: Timestamp.nullable(),
  metadata: z.record(z.string(), z.unknown()),
});
export type Session = z.infer<typeof Session>;
