/** Small figures helpers shared by the benchmarks. */

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (xs: number[]): number => percentile(xs, 50);

/** Rounds to `digits` decimals: JSON lines stay readable without losing what matters. */
export const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Progress goes to stderr so stdout stays one JSON line. */
export const note = (msg: string): void => {
  process.stderr.write(`  ${msg}\n`);
};
