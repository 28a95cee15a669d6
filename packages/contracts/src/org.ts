import { z } from 'zod';
import { Id, Name, Timestamp } from './common.js';
import { KeyRole, MemberKind, MemberStatus } from './enums.js';

export const CreateWorkspace = z.strictObject({ name: Name });
export const WorkspaceCreated = z.object({ workspace_id: z.string(), admin_key: z.string() });
export const Workspace = z.object({ workspace_id: z.string(), name: z.string(), created_at: Timestamp });

export const CreateKey = z
  .strictObject({ role: KeyRole, agent_id: Id.optional(), member_id: Id.optional(), label: Name })
  .refine((k) => k.role !== 'agent' || k.agent_id !== undefined, {
    message: 'an agent key must name its agent_id',
    path: ['agent_id'],
  })
  .refine((k) => k.role === 'agent' || k.agent_id === undefined, {
    message: 'only agent keys are bound to an agent_id',
    path: ['agent_id'],
  });
export const KeyCreated = z.object({ key_id: z.string(), key: z.string() });
export const ApiKey = z.object({
  key_id: z.string(),
  role: z.union([KeyRole, z.literal('root')]),
  label: z.string(),
  agent_id: z.string().nullable(),
  member_id: z.string().nullable(),
  created_at: Timestamp,
  revoked_at: Timestamp.nullable(),
  last_used_at: Timestamp.nullable(),
});

export const CreateMember = z.strictObject({
  member_id: Id.optional(),
  name: Name,
  kind: MemberKind,
  email: z.email().max(320).optional(),
});
export const UpdateMember = z
  .strictObject({ name: Name.optional(), email: z.email().max(320).nullable().optional(), status: MemberStatus.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export const Member = z.object({
  member_id: z.string(),
  name: z.string(),
  kind: MemberKind,
  email: z.string().nullable(),
  status: MemberStatus,
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const CreatePod = z.strictObject({ pod_id: Id.optional(), name: Name, team_id: Id, lead_id: Id });
export const UpdatePod = z
  .strictObject({ name: Name.optional(), team_id: Id.optional(), lead_id: Id.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export const Pod = z.object({
  pod_id: z.string(),
  name: z.string(),
  team_id: z.string(),
  lead_id: z.string(),
  agent_count: z.number().int(),
  /** Pods are meant to hold 5 ± 2 agents; outside that range this says so. */
  size_warning: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const PutOrg = z.strictObject({ manager_id: Id });
export const Org = z.object({ workspace_id: z.string(), name: z.string(), manager_id: z.string().nullable() });

export type CreateMember = z.infer<typeof CreateMember>;
export type UpdateMember = z.infer<typeof UpdateMember>;
export type Member = z.infer<typeof Member>;
export type CreatePod = z.infer<typeof CreatePod>;
export type UpdatePod = z.infer<typeof UpdatePod>;
export type Pod = z.infer<typeof Pod>;
export type CreateKey = z.infer<typeof CreateKey>;
export type ApiKey = z.infer<typeof ApiKey>;
export type Org = z.infer<typeof Org>;
