import { describe, expect, it } from 'vitest';
import { clampComplexity, estimateComplexity } from './complexity.js';

describe('estimateComplexity (seed 004 keywords)', () => {
  it.each([
    ['Fix typo in README', 2],
    ['update comment on the handler', 2],
    ['Rename the module', 2],
    ['Add feature flags', 5],
    ['Optimize the query', 5],
    ['Plan the database migration', 8],
    ['Security review', 8],
    ['Redesign the dashboard', 10],
    ['Make it distributed', 10],
    ['say hello', 5],
    ['', 5],
  ])('%s → %i', (task, score) => {
    expect(estimateComplexity(task, {})).toBe(score);
  });

  it('checks levels in the seed order, so the simplest matching level wins', () => {
    expect(estimateComplexity('rename the distributed scheduler for performance', {})).toBe(2);
    expect(estimateComplexity('refactor for scale', {})).toBe(5);
  });

  it('forces any answer onto the 1-10 scale', () => {
    expect(clampComplexity(0)).toBe(1);
    expect(clampComplexity(42)).toBe(10);
    expect(clampComplexity(6.6)).toBe(7);
    expect(clampComplexity(Number.NaN)).toBe(5);
    expect(clampComplexity('7')).toBe(5);
  });
});
