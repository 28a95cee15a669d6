import { describe, expect, it } from 'vitest';
import { ResourceSampler } from './sampler.js';

describe('resource sampler', () => {
  it('answers the process CPU share over the samples around a call, and the peak memory within it', () => {
    const s = new ResourceSampler(100);
    const internals = s as unknown as { at: Float64Array; cpu: Float64Array; rss: Float64Array; seq: number };
    // Ten samples 100 ms apart; the process burns 50 ms of CPU per 100 ms (50 %), then 100 %.
    internals.seq = 0;
    for (let i = 1; i <= 10; i++) {
      internals.seq = i;
      internals.at[i] = i * 100;
      internals.cpu[i] = (i <= 5 ? i * 50 : 250 + (i - 5) * 100) * 1000;
      internals.rss[i] = i === 7 ? 300 : 100;
    }
    expect(s.cpuAround(210, 290)).toBeCloseTo(50, 6);
    expect(s.cpuAround(610, 690)).toBeCloseTo(100, 6);
    expect(s.cpuAround(450, 650)).toBeCloseTo(((250 + 200 - 200) / 300) * 100, 6);
    // A call that ended after the latest sample takes the last interval.
    expect(s.cpuAround(1_005, 1_010)).toBeCloseTo(100, 6);
    expect(s.peakBetween(5, 8, 120)).toBe(300);
    expect(s.peakBetween(7, 9, 120)).toBe(120);
  });
});
