export interface BackoffOptions {
  /** First retry delay. */
  baseMs?: number;
  /** Ceiling of the delay, however many failures in a row. */
  maxMs?: number;
}

/**
 * Exponential backoff with jitter: the delay doubles with each failure in a row, and each agent
 * waits a random 50-100 % of it so a fleet that lost its server does not come back in lockstep.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 30_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}

/**
 * The next heartbeat: up to `jitter` of one interval early, never late, so beats from many agents
 * spread out while each still lands inside its interval.
 */
export function heartbeatDelay(cadenceMs: number, jitter: number, random: () => number = Math.random): number {
  const j = Math.min(Math.max(jitter, 0), 0.5);
  return Math.round(cadenceMs * (1 - j * random()));
}
