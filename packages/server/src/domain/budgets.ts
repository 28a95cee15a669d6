/** Budget and burn decisions: pure arithmetic over spend figures, so they read the same everywhere. */
export interface BudgetVerdict {
  fraction: number;
  warning: boolean;
  exhausted: boolean;
}

/** What the roll-ups count as an agent over its daily budget: spent more than it (none set: never). */
export function isOverBudget(spent: number, budget: number | null | undefined): boolean {
  return budget !== null && budget !== undefined && spent > budget;
}

export function judgeBudget(spent: number, budget: number, warnFraction: number): BudgetVerdict {
  const fraction = budget > 0 ? spent / budget : 0;
  return { fraction, warning: fraction >= warnFraction && fraction < 1, exhausted: fraction >= 1 };
}

/**
 * Burn departs from its trend when the last hour cost more than `factor` times the hourly average
 * of the previous seven days. A floor keeps pennies from paging anyone; no history, no anomaly.
 */
export function isBurnAnomaly(lastHour: number, previousWeek: number, factor: number, floorUsd = 0.5): boolean {
  const hourly = previousWeek / (7 * 24);
  return hourly > 0 && lastHour >= floorUsd && lastHour > factor * hourly;
}

export const dayStart = (now: number): number => Math.floor(now / 86_400_000) * 86_400_000;
