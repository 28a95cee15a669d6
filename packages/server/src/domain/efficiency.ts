import type { PeriodFigures } from '@aetherboard/contracts';

/**
 * Seed 004 defines efficiency as success_rate / avg_execution_time. In milliseconds that reads as
 * 0.0006; in seconds it reads as 0.6, so the score is the success rate per second of average
 * execution time. One millisecond is the floor of the divisor, so instant calls score at most
 * 1000 × success_rate instead of dividing by zero; with nothing completed the score is 0.
 */
export function efficiencyScore(successRate: number, avgExecutionTimeMs: number, completed: number): number {
  if (completed <= 0 || !(successRate > 0)) return 0;
  const seconds = Math.max(avgExecutionTimeMs, 1) / 1000;
  return round(successRate / seconds, 4);
}

/** The sums a store query returns for one window or bucket; every field may come back null. */
export interface InvocationSums {
  total: number | null;
  succeeded: number | null;
  failed: number | null;
  abandoned: number | null;
  open: number | null;
  /** Sum and count of execution_time_ms over closed invocations. */
  time_sum: number | null;
  time_n: number | null;
  complexity_sum: number | null;
  tokens: number | null;
  cost: number | null;
  cpu_sum: number | null;
  cpu_n: number | null;
  mem_sum: number | null;
  mem_n: number | null;
  peak_mem: number | null;
}

const n = (v: number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

export function round(v: number, places: number): number {
  const f = 10 ** places;
  return Math.round(v * f) / f;
}

/** Turns raw sums into the figures of the contract. */
export function figures(s: Partial<InvocationSums> | undefined): PeriodFigures {
  const total = n(s?.total);
  const succeeded = n(s?.succeeded);
  const failed = n(s?.failed);
  const abandoned = n(s?.abandoned);
  const completed = succeeded + failed;
  const successRate = completed > 0 ? succeeded / completed : 0;
  const timeN = n(s?.time_n);
  const avgMs = timeN > 0 ? n(s?.time_sum) / timeN : 0;
  const cpuN = n(s?.cpu_n);
  const memN = n(s?.mem_n);
  return {
    total_invocations: total,
    completed_invocations: completed,
    succeeded,
    failed,
    abandoned,
    open: n(s?.open),
    success_rate: round(successRate, 4),
    avg_execution_time_ms: round(avgMs, 2),
    avg_complexity_handled: total > 0 ? round(n(s?.complexity_sum) / total, 2) : 0,
    efficiency_score: efficiencyScore(successRate, avgMs, completed),
    tokens_used: n(s?.tokens),
    cost_usd: round(n(s?.cost), 6),
    avg_cpu_usage_percent: cpuN > 0 ? round(n(s?.cpu_sum) / cpuN, 2) : null,
    avg_memory_usage_mb: memN > 0 ? round(n(s?.mem_sum) / memN, 2) : null,
    peak_memory_mb: s?.peak_mem === null || s?.peak_mem === undefined ? null : round(Number(s.peak_mem), 2),
  };
}

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const WEEK = 7 * DAY;
/** 1970-01-01 was a Thursday; weeks start on Monday, four days later. */
export const WEEK_OFFSET = 4 * DAY;

export type Period = 'hourly' | 'daily' | 'weekly';

export const PERIOD_MS: Record<Period, number> = { hourly: HOUR, daily: DAY, weekly: WEEK };
export const PERIOD_OFFSET: Record<Period, number> = { hourly: 0, daily: 0, weekly: WEEK_OFFSET };
export const DEFAULT_BUCKETS: Record<Period, number> = { hourly: 24, daily: 14, weekly: 8 };

/** The UTC calendar bucket holding `t`, as its start time. */
export function bucketStart(t: number, period: Period): number {
  const size = PERIOD_MS[period];
  const off = PERIOD_OFFSET[period];
  return Math.floor((t - off) / size) * size + off;
}

/**
 * Ranking of seed 004's "top performing agents": efficiency first, then success rate, then how
 * much was completed, then id so equal agents always come out in the same order.
 */
export function compareRanked(
  a: { efficiency_score: number; success_rate: number; completed_invocations: number; agent_id: string },
  b: { efficiency_score: number; success_rate: number; completed_invocations: number; agent_id: string },
): number {
  return (
    b.efficiency_score - a.efficiency_score ||
    b.success_rate - a.success_rate ||
    b.completed_invocations - a.completed_invocations ||
    (a.agent_id < b.agent_id ? -1 : a.agent_id > b.agent_id ? 1 : 0)
  );
}
