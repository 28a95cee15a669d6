import { describe, expect, it } from 'vitest';
import { isOverBudget, judgeBudget } from './budgets.js';

describe('budget rules', () => {
  it('counts an agent over budget only once it spent more than a budget it has', () => {
    expect(isOverBudget(10.01, 10)).toBe(true);
    expect(isOverBudget(10, 10)).toBe(false);
    expect(isOverBudget(1_000, null)).toBe(false);
    expect(isOverBudget(1_000, undefined)).toBe(false);
  });

  it('warns from the warning fraction and calls a budget exhausted once it is all spent', () => {
    expect(judgeBudget(9, 10, 0.9)).toEqual({ fraction: 0.9, warning: true, exhausted: false });
    expect(judgeBudget(10, 10, 0.9)).toEqual({ fraction: 1, warning: false, exhausted: true });
    expect(judgeBudget(5, 0, 0.9)).toEqual({ fraction: 0, warning: false, exhausted: false });
  });
});
