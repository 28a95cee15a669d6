import { describe, expect, it } from 'vitest';
import { bucketStart, compareRanked, efficiencyScore, figures } from './efficiency.js';

describe('efficiency score', () => {
  it('is the success rate per second of average execution time', () => {
    expect(efficiencyScore(0.9, 1500, 10)).toBe(0.6);
    expect(efficiencyScore(1, 2000, 1)).toBe(0.5);
  });

  it('is 0 with nothing completed or nothing succeeded, and floors the divisor at 1 ms', () => {
    expect(efficiencyScore(0, 1000, 5)).toBe(0);
    expect(efficiencyScore(1, 1000, 0)).toBe(0);
    expect(efficiencyScore(1, 0, 3)).toBe(1000);
  });
});

describe('figures', () => {
  it('counts abandoned invocations as failures and averages time over completed ones', () => {
    const f = figures({ total: 5, succeeded: 2, failed: 2, abandoned: 1, open: 1, time_sum: 4000, time_n: 4, complexity_sum: 25, tokens: 10, cost: 0.1234567, cpu_sum: 30, cpu_n: 2, mem_sum: null, mem_n: 0, peak_mem: 12.345 });
    expect(f).toEqual({
      total_invocations: 5,
      completed_invocations: 4,
      succeeded: 2,
      failed: 2,
      abandoned: 1,
      open: 1,
      success_rate: 0.5,
      avg_execution_time_ms: 1000,
      avg_complexity_handled: 5,
      efficiency_score: 0.5,
      tokens_used: 10,
      cost_usd: 0.123457,
      avg_cpu_usage_percent: 15,
      avg_memory_usage_mb: null,
      peak_memory_mb: 12.35,
    });
  });

  it('answers zeros for an empty window', () => {
    expect(figures(undefined)).toMatchObject({ total_invocations: 0, success_rate: 0, avg_execution_time_ms: 0, efficiency_score: 0, peak_memory_mb: null });
  });
});

describe('buckets and ranking', () => {
  it('aligns hours and days to UTC and weeks to Monday', () => {
    const t = Date.parse('2026-01-07T13:45:00Z'); // a Wednesday
    expect(new Date(bucketStart(t, 'hourly')).toISOString()).toBe('2026-01-07T13:00:00.000Z');
    expect(new Date(bucketStart(t, 'daily')).toISOString()).toBe('2026-01-07T00:00:00.000Z');
    expect(new Date(bucketStart(t, 'weekly')).toISOString()).toBe('2026-01-05T00:00:00.000Z');
  });

  it('ranks by efficiency, then success rate, then volume, then id', () => {
    const a = { agent_id: 'a', efficiency_score: 1, success_rate: 0.5, completed_invocations: 3 };
    const b = { agent_id: 'b', efficiency_score: 2, success_rate: 0.5, completed_invocations: 3 };
    const c = { agent_id: 'c', efficiency_score: 1, success_rate: 0.9, completed_invocations: 3 };
    const d = { agent_id: 'd', efficiency_score: 1, success_rate: 0.5, completed_invocations: 9 };
    expect([a, b, c, d].sort(compareRanked).map((x) => x.agent_id)).toEqual(['b', 'c', 'd', 'a']);
  });
});
