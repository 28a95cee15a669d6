/**
 * How complex a task is, 1 (trivial) to 10. The default is the keyword estimator of seed 004; a
 * deployment may replace it (see service/invocations.ts `setComplexityEstimator`).
 */
export type ComplexityEstimator = (taskDescription: string, context: Record<string, unknown>) => number;

/**
 * Seed 004's table, checked in this order; the first level with a matching keyword wins, so
 * "fix typo in the distributed cache" is simple (2), exactly as the seed's loop decides.
 */
export const COMPLEXITY_KEYWORDS: ReadonlyArray<readonly [score: number, keywords: readonly string[]]> = [
  [2, ['fix typo', 'update comment', 'change text', 'rename']],
  [5, ['add feature', 'refactor', 'optimize', 'integrate']],
  [8, ['architecture', 'migration', 'performance', 'security']],
  [10, ['redesign', 'rewrite', 'scale', 'distributed']],
];

export const DEFAULT_COMPLEXITY = 5;

export const estimateComplexity: ComplexityEstimator = (taskDescription) => {
  const lower = taskDescription.toLowerCase();
  for (const [score, keywords] of COMPLEXITY_KEYWORDS) {
    for (const k of keywords) if (lower.includes(k)) return score;
  }
  return DEFAULT_COMPLEXITY;
};

/** A replacement estimator may misbehave; whatever it answers is forced onto the 1-10 scale. */
export function clampComplexity(score: unknown): number {
  if (typeof score !== 'number' || !Number.isFinite(score)) return DEFAULT_COMPLEXITY;
  return Math.min(10, Math.max(1, Math.round(score)));
}
