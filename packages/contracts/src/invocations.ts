import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/** `open` until completed; an invocation that never completes is closed as `abandoned` (a failure). */
export const InvocationOutcome = z.enum(['open', 'success', 'failure', 'abandoned']);
export type InvocationOutcome = z.infer<typeof InvocationOutcome>;
export const ComplexitySource = z.enum(['client', 'estimated']);
export type ComplexitySource = z.infer<typeof ComplexitySource>;
export const MetricsPeriod = z.enum(['hourly', 'daily', 'weekly']);
export type MetricsPeriod = z.infer<typeof MetricsPeriod>;

const Ms = z.number().finite().min(0).max(30 * 86_400_000);
// Process-wide CPU on a many-core machine can exceed 100 %.
const Percent = z.number().finite().min(0).max(100_000);
const Mb = z.number().finite().min(0).max(10_000_000);
const Tokens = z.number().int().min(0).max(1e12);
const Usd = z.number().finite().min(0).max(1e9);
export const ComplexityScore = z.number().int().min(1).max(10).describe('1 (trivial) to 10 (very complex)');
const Context = z.record(z.string(), z.unknown()).refine((m) => JSON.stringify(m).length <= 16_384, {
  message: 'context must serialise to at most 16 KiB',
});
const TaskDescription = z.string().trim().min(1).max(10_000);
const OperationName = z.string().trim().min(1).max(200).describe('what the agent called the operation (the SDK passes track(name))');
const OutcomeSummary = z.string().max(2_000);
const ErrorDetails = z.string().max(10_000);

export const StartInvocation = z.strictObject({
  invocation_id: Id.optional().describe('client-chosen id; repeating a start with the same id and agent is answered with the first one'),
  agent_id: Id,
  name: OperationName.optional(),
  task_description: TaskDescription,
  complexity_score: ComplexityScore.optional().describe('estimated from task_description when absent'),
  context: Context.optional(),
  started_at: Timestamp.optional().describe("defaults to the server's receive time"),
  assignment_id: Id.optional(),
  session_id: Id.optional(),
});
export type StartInvocation = z.infer<typeof StartInvocation>;

export const InvocationStarted = z.object({
  invocation_id: z.string(),
  agent_id: z.string(),
  complexity_score: z.number().int(),
  complexity_source: ComplexitySource,
  started_at: Timestamp,
});
export type InvocationStarted = z.infer<typeof InvocationStarted>;

/** What a finished invocation cost: the performance record of seed 004. */
const PerformanceFields = {
  outcome_summary: OutcomeSummary.optional(),
  execution_time_ms: Ms.optional().describe('measured by the caller; otherwise completed_at - started_at'),
  cpu_usage_percent: Percent.optional(),
  memory_usage_mb: Mb.optional(),
  peak_memory_mb: Mb.optional(),
  tokens_used: Tokens.optional(),
  cost_usd: Usd.optional(),
  error_details: ErrorDetails.optional(),
};

export const CompleteInvocation = z.strictObject({
  success: z.boolean(),
  completed_at: Timestamp.optional().describe("defaults to the server's receive time"),
  ...PerformanceFields,
});
export type CompleteInvocation = z.infer<typeof CompleteInvocation>;

/** A finished invocation reported after the fact; `invocation_id` makes a retried batch harmless. */
export const BatchInvocationItem = StartInvocation.extend({
  started_at: Timestamp,
  success: z.boolean(),
  completed_at: Timestamp.optional().describe('defaults to started_at + execution_time_ms, else the receive time'),
  ...PerformanceFields,
}).refine((i) => i.completed_at === undefined || Date.parse(i.completed_at) >= Date.parse(i.started_at), {
  message: 'completed_at must not be before started_at',
  path: ['completed_at'],
});
export type BatchInvocationItem = z.infer<typeof BatchInvocationItem>;

export const MAX_INVOCATION_BATCH = 5_000;

/** Items are checked one by one so one bad record does not reject its neighbours. */
export const BatchInvocations = z.strictObject({ invocations: z.array(z.unknown()).min(1).max(MAX_INVOCATION_BATCH) });
export const InvocationBatchResult = z.object({
  accepted: z.number().int().describe('items the server now holds, including duplicates'),
  duplicates: z.number().int().describe('items whose invocation_id was already stored, finished (a retry); not counted twice'),
  rejected: z.array(z.object({ index: z.number().int(), error: z.object({ code: z.string(), message: z.string() }) })),
});
export type InvocationBatchResult = z.infer<typeof InvocationBatchResult>;

export const Invocation = z.object({
  invocation_id: z.string(),
  agent_id: z.string(),
  name: z.string().nullable(),
  task_description: z.string(),
  complexity_score: z.number().int(),
  complexity_source: ComplexitySource,
  context: z.record(z.string(), z.unknown()),
  assignment_id: z.string().nullable(),
  session_id: z.string().nullable(),
  started_at: Timestamp,
  completed_at: Timestamp.nullable(),
  outcome: InvocationOutcome,
  success: z.boolean().nullable(),
  outcome_summary: z.string().nullable(),
  execution_time_ms: z.number().nullable(),
  cpu_usage_percent: z.number().nullable(),
  memory_usage_mb: z.number().nullable(),
  peak_memory_mb: z.number().nullable(),
  tokens_used: z.number().int().nullable(),
  cost_usd: z.number().nullable(),
  error_details: z.string().nullable(),
});
export type Invocation = z.infer<typeof Invocation>;

export const InvocationListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(512).optional(),
  agent_id: Id.optional(),
  outcome: InvocationOutcome.optional(),
  assignment_id: Id.optional(),
  since: Timestamp.optional().describe('started at or after'),
  until: Timestamp.optional().describe('started before'),
});
export type InvocationListQuery = z.infer<typeof InvocationListQuery>;

const Buckets = z.coerce.number().int().min(1).max(400);

export const MetricsQuery = z.object({
  period: MetricsPeriod.default('daily'),
  buckets: Buckets.optional().describe('how many calendar buckets the series holds (default 24 hourly, 14 daily, 8 weekly)'),
});
export type MetricsQuery = z.infer<typeof MetricsQuery>;

/** The figures of one window: seed 004's AgentMetrics plus what they are made of. */
export const PeriodFigures = z.object({
  total_invocations: z.number().int().describe('started in the window, open ones included'),
  completed_invocations: z.number().int().describe('closed: success, failure or abandoned'),
  succeeded: z.number().int(),
  failed: z.number().int().describe('failures, abandoned ones included'),
  abandoned: z.number().int(),
  open: z.number().int(),
  success_rate: z.number().describe('succeeded / completed_invocations; 0 when nothing completed'),
  avg_execution_time_ms: z.number().describe('over completed invocations'),
  avg_complexity_handled: z.number(),
  efficiency_score: z.number().describe('success_rate / (max(avg_execution_time_ms, 1) / 1000): success rate per second of average execution'),
  tokens_used: z.number(),
  cost_usd: z.number(),
  avg_cpu_usage_percent: z.number().nullable(),
  avg_memory_usage_mb: z.number().nullable(),
  peak_memory_mb: z.number().nullable(),
});
export type PeriodFigures = z.infer<typeof PeriodFigures>;

export const MetricsBucket = PeriodFigures.extend({ bucket_start: Timestamp });
export type MetricsBucket = z.infer<typeof MetricsBucket>;

export const AgentInvocationMetrics = PeriodFigures.extend({
  agent_id: z.string(),
  period: MetricsPeriod,
  window_start: Timestamp.describe('the headline figures cover the trailing hour, day or week up to window_end'),
  window_end: Timestamp,
  series: z.array(MetricsBucket).describe('UTC calendar buckets (weeks start on Monday), oldest first'),
});
export type AgentInvocationMetrics = z.infer<typeof AgentInvocationMetrics>;

export const RankedAgent = z.object({
  rank: z.number().int(),
  agent_id: z.string(),
  agent_name: z.string(),
  team_id: z.string(),
  pod_id: z.string().nullable(),
  total_invocations: z.number().int(),
  completed_invocations: z.number().int(),
  success_rate: z.number(),
  avg_execution_time_ms: z.number(),
  avg_complexity_handled: z.number(),
  efficiency_score: z.number(),
  cost_usd: z.number(),
});
export type RankedAgent = z.infer<typeof RankedAgent>;

export const TopAgentsQuery = z.object({
  period: MetricsPeriod.default('weekly'),
  limit: z.coerce.number().int().min(1).max(1000).default(5),
  min_invocations: z.coerce.number().int().min(1).max(1e9).default(1).describe('completed invocations an agent needs to be ranked'),
  team_id: Id.optional(),
  pod_id: Id.optional(),
});
export type TopAgentsQuery = z.infer<typeof TopAgentsQuery>;

export const TopAgents = z.object({
  period: MetricsPeriod,
  window_start: Timestamp,
  window_end: Timestamp,
  items: z.array(RankedAgent).describe('by efficiency_score, then success rate, then completed invocations'),
});
export type TopAgents = z.infer<typeof TopAgents>;

export const GroupAnalyticsQuery = z.object({
  period: MetricsPeriod.default('daily'),
  buckets: Buckets.optional(),
  days: z.coerce.number().int().min(1).max(90).default(14).describe('days of throughput trend'),
  top: z.coerce.number().int().min(1).max(100).default(5),
});
export type GroupAnalyticsQuery = z.infer<typeof GroupAnalyticsQuery>;

export const CostBurn = z.object({
  since: Timestamp.describe('start of the current UTC day'),
  spent_today_usd: z.number(),
  budget_daily_usd: z.number().describe('sum of cost_budget_daily over agents that have one'),
  burn_ratio: z.number().nullable().describe('spent_today_usd / budget_daily_usd; null without a budget'),
  day_elapsed: z.number().describe('share of the UTC day gone, to compare burn_ratio against'),
  agents_over_budget: z.number().int(),
  by_agent: z.array(
    z.object({
      agent_id: z.string(),
      spent_today_usd: z.number(),
      budget_daily_usd: z.number().nullable(),
      burn_ratio: z.number().nullable(),
    }),
  ),
});
export type CostBurn = z.infer<typeof CostBurn>;

export const GroupAnalytics = PeriodFigures.extend({
  scope: z.enum(['team', 'pod', 'workspace']),
  scope_id: z.string(),
  agents: z.number().int().describe('agents in the scope now (retired and archived included)'),
  period: MetricsPeriod,
  window_start: Timestamp,
  window_end: Timestamp,
  series: z.array(MetricsBucket),
  top_agents: z.array(RankedAgent),
  throughput: z.array(z.object({ day: z.string(), completed: z.number().int() })).describe('assignments completed per UTC day'),
  cost: CostBurn,
});
export type GroupAnalytics = z.infer<typeof GroupAnalytics>;

/** Workspace settings key `invocations` (stored in the workspace settings JSON). */
export const InvocationSettings = z.object({
  abandon_after_s: z.number().int().min(1).max(30 * 86_400).describe('an invocation still open this long after it started is closed as abandoned'),
});
export type InvocationSettings = z.infer<typeof InvocationSettings>;
export const DEFAULT_ABANDON_AFTER_S = 3_600;
