import { z } from 'zod';

export const AgentType = z.enum(['main', 'subagent', 'specialist', 'watcher']);
export const PriorityTier = z.enum(['P0', 'P1', 'P2']);
export const RiskLevel = z.enum(['low', 'medium', 'high']);
export const AgentState = z.enum([
  'registered',
  'ready',
  'assigned',
  'executing',
  'blocked',
  'degraded',
  'escalated',
  'paused',
  'retired',
  'archived',
]);
export const Health = z.enum(['healthy', 'at_risk', 'breach', 'critical', 'not_monitored']);
export const FireReason = z.enum(['derailed', 'obstinate', 'dumb', 'unresponsive', 'corrupted']);
export const HeartbeatStatus = z.enum(['ok', 'degraded', 'blocked', 'offline']);
export const WorkMode = z.enum(['idle', 'executing', 'waiting', 'escalated']);
export const AssignmentStatus = z.enum(['active', 'blocked', 'handoff', 'done']);
export const BlockerCode = z.enum(['waiting_input', 'tool_error', 'dependency', 'policy']);
export const RoleOnTask = z.enum(['owner', 'contributor', 'reviewer', 'observer']);
export const KeyRole = z.enum(['viewer', 'operator', 'admin', 'agent']);
export const MemberKind = z.enum(['human', 'agent']);
export const MemberStatus = z.enum(['active', 'left']);

export type AgentType = z.infer<typeof AgentType>;
export type PriorityTier = z.infer<typeof PriorityTier>;
export type RiskLevel = z.infer<typeof RiskLevel>;
export type AgentState = z.infer<typeof AgentState>;
export type Health = z.infer<typeof Health>;
export type FireReason = z.infer<typeof FireReason>;
export type HeartbeatStatus = z.infer<typeof HeartbeatStatus>;
export type WorkMode = z.infer<typeof WorkMode>;
export type AssignmentStatus = z.infer<typeof AssignmentStatus>;
export type BlockerCode = z.infer<typeof BlockerCode>;
export type RoleOnTask = z.infer<typeof RoleOnTask>;
export type KeyRole = z.infer<typeof KeyRole>;
export type MemberKind = z.infer<typeof MemberKind>;
export type MemberStatus = z.infer<typeof MemberStatus>;

/** The legal lifecycle moves of contract §5. Anything not listed is an illegal transition. */
export const LEGAL_TRANSITIONS: Readonly<Record<AgentState, readonly AgentState[]>> = {
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

/** States in which heartbeats are expected and health is evaluated. */
export const MONITORED_STATES: readonly AgentState[] = ['ready', 'assigned', 'executing', 'blocked', 'degraded', 'escalated'];
