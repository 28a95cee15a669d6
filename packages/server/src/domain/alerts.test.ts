import { describe, expect, it } from 'vitest';
import { isTroubled, outageClears, outageTrips } from './alerts.js';
import { DEFAULT_POLICY } from './policy.js';

describe('the fleet breaker', () => {
  const policy = { ...DEFAULT_POLICY, fleetOutageMinAgents: 10, fleetOutageFraction: 0.5 };

  it('counts breach and critical agents as in trouble, nothing else', () => {
    expect(['breach', 'critical'].every(isTroubled)).toBe(true);
    expect(['healthy', 'at_risk', 'not_monitored'].some(isTroubled)).toBe(false);
  });

  it('trips at its share of a fleet at least its minimum size', () => {
    expect(outageTrips({ monitored: 10, troubled: 5 }, policy)).toBe(true);
    expect(outageTrips({ monitored: 10, troubled: 4 }, policy)).toBe(false);
    expect(outageTrips({ monitored: 9, troubled: 9 }, policy)).toBe(false);
  });

  it('clears below half its share, or when nothing is monitored', () => {
    expect(outageClears({ monitored: 100, troubled: 24 }, policy)).toBe(true);
    expect(outageClears({ monitored: 100, troubled: 25 }, policy)).toBe(false);
    expect(outageClears({ monitored: 0, troubled: 0 }, policy)).toBe(true);
  });
});
