import { describe, expect, it } from 'vitest';
import { backoffDelay, heartbeatDelay } from './backoff.js';
import { Vitals } from './vitals.js';

describe('backoff', () => {
  it('doubles per failure up to the ceiling, with 50-100 % jitter', () => {
    expect(backoffDelay(1, { baseMs: 100, maxMs: 1000 }, () => 1)).toBe(100);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 1000 }, () => 1)).toBe(400);
    expect(backoffDelay(10, { baseMs: 100, maxMs: 1000 }, () => 1)).toBe(1000);
    expect(backoffDelay(10, { baseMs: 100, maxMs: 1000 }, () => 0)).toBe(500);
    expect(backoffDelay(1000, {}, () => 1)).toBe(30_000);
  });

  it('sends heartbeats up to the jitter early and never late', () => {
    expect(heartbeatDelay(60_000, 0.1, () => 0)).toBe(60_000);
    expect(heartbeatDelay(60_000, 0.1, () => 1)).toBe(54_000);
    expect(heartbeatDelay(60_000, 5, () => 1)).toBe(30_000);
  });
});

describe('vitals', () => {
  it('counts errors and tokens of the last hour and the p95 of recent durations', () => {
    const v = new Vitals();
    const t = Date.parse('2026-01-05T09:00:00Z');
    v.record(t - 2 * 3_600_000, 5, false, 1000);
    for (let i = 1; i <= 100; i++) v.record(t - i * 1000, i, i % 10 !== 0, 10);
    const s = v.snapshot(t);
    expect(s.error_count_1h).toBe(10);
    expect(s.token_burn_1h).toBe(1000);
    expect(s.latency_p95_ms).toBe(95);
    expect(new Vitals().snapshot(t)).toEqual({ error_count_1h: 0, token_burn_1h: 0 });
  });
});
