import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { HeartbeatStatus, WorkMode } from './enums.js';

const Count = z.number().int().min(0).max(2_147_483_647);

export const HeartbeatBody = z.strictObject({
  status: HeartbeatStatus,
  work_mode: WorkMode,
  emitted_at: Timestamp.optional(),
  active_assignment_id: Id.nullable().optional(),
  queue_depth: Count.optional(),
  error_count_1h: Count.optional(),
  latency_p95_ms: Count.optional(),
  token_burn_1h: Count.optional(),
  summary: z.string().max(140).optional(),
});
export type HeartbeatBody = z.infer<typeof HeartbeatBody>;

export const BatchHeartbeatItem = HeartbeatBody.extend({ agent_id: Id });
export type BatchHeartbeatItem = z.infer<typeof BatchHeartbeatItem>;

/** Items are checked one by one so that one bad beat does not reject its 9,999 neighbours. */
export const BatchHeartbeats = z.strictObject({ heartbeats: z.array(z.unknown()).min(1).max(10_000) });
export const BatchResult = z.object({
  accepted: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), error: z.object({ code: z.string(), message: z.string() }) })),
});
export type BatchResult = z.infer<typeof BatchResult>;

export const Heartbeat = z.object({
  heartbeat_id: z.string(),
  agent_id: z.string(),
  received_at: Timestamp,
  emitted_at: Timestamp.nullable(),
  status: HeartbeatStatus,
  work_mode: WorkMode,
  active_assignment_id: z.string().nullable(),
  queue_depth: z.number().int().nullable(),
  error_count_1h: z.number().int().nullable(),
  latency_p95_ms: z.number().int().nullable(),
  token_burn_1h: z.number().int().nullable(),
  summary: z.string().nullable(),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

export const HeartbeatAccepted = z.object({ accepted: z.literal(true), received_at: Timestamp });
