export { AetherBoardClient, createClient, paginate, type ClientOptions } from './client.js';
export { AgentHandle, TIER_CADENCE_MS, type AgentOptions, type AgentStats, type AgentStatus } from './agent.js';
export { AetherBoardError, type AetherBoardErrorCode } from './errors.js';
export type { ExporterOptions, ExportStats, FlushResult } from './exporter.js';
export type { FetchLike, RequestOptions } from './http.js';
export type { InvocationReport, TrackOptions, TrackedInvocation } from './record.js';
export { backoffDelay, heartbeatDelay, type BackoffOptions } from './backoff.js';
export type * from './types.js';
