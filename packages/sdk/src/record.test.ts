import { describe, expect, it } from 'vitest';
import { InvocationRecord, isoMillis, serialise } from './record.js';
import { sampler } from './sampler.js';

describe('serialise', () => {
  it('writes the same timestamps as Date#toISOString', () => {
    for (const t of [0, 999, 1000, 1_767_603_600_000, 1_767_603_600_007.9, 1_767_603_600_099, 1_767_603_661_123]) {
      expect(isoMillis(t)).toBe(new Date(Math.floor(t)).toISOString());
    }
  });

  it('produces valid JSON with every measured field, escaping what needs it', () => {
    const rec = new InvocationRecord('p.', 1, 'say "hi"\n', { context: { a: [1, 2] }, assignment_id: 'as-1', complexity_score: 7 });
    rec.t0 = Date.parse('2026-01-05T09:00:00.123Z') + 0.7 - sampler.wallOffset;
    rec.t1 = rec.t0 + 12.34567;
    rec.cpu0 = 1_500;
    rec.cpu1 = 1_500 + 6_858.5;
    rec.memMb = 100.123;
    rec.memSeq = sampler.seq;
    rec.memSeqEnd = sampler.seq;
    rec.report({ tokens_used: 12, cost_usd: 0.5, outcome_summary: 'ok "quoted"', success: false, error_details: 'line1\nline2' });
    expect(JSON.parse(serialise(rec, 'agent:1'))).toEqual({
      invocation_id: 'p.1',
      agent_id: 'agent:1',
      name: 'say "hi"',
      task_description: 'say "hi"',
      started_at: '2026-01-05T09:00:00.123Z',
      execution_time_ms: 12.346,
      success: false,
      cpu_usage_percent: 55.55,
      memory_usage_mb: 100.12,
      peak_memory_mb: 100.12,
      complexity_score: 7,
      tokens_used: 12,
      cost_usd: 0.5,
      error_details: 'line1\nline2',
      outcome_summary: 'ok "quoted"',
      assignment_id: 'as-1',
      context: { a: [1, 2] },
    });
  });
});
