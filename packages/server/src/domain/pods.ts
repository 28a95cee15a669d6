/**
 * Seed 000's span of control: a lead runs a pod of `min`–`max` agents well (the workspace's
 * governance settings say how many). Outside it, the warning to show; inside, null.
 */
export function podSizeWarning(agents: number, min: number, max: number): string | null {
  if (agents < min) return `${agents} agent(s): below the ${min}–${max} a lead can run well`;
  if (agents > max) return `${agents} agents: above the ${min}–${max} a lead can run well; split the pod`;
  return null;
}
