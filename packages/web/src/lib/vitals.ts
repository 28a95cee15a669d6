import type { Api } from './api';
import type { Agent, Heartbeat, Page } from './types';

/** The operational numbers of an agent's latest heartbeat. */
export interface Vitals {
  queue_depth: number | null;
  error_count_1h: number | null;
  latency_p95_ms: number | null;
  token_burn_1h: number | null;
  received_at: string | null;
}

const EMPTY: Vitals = { queue_depth: null, error_count_1h: null, latency_p95_ms: null, token_burn_1h: null, received_at: null };

async function pool<T, R>(items: T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

/**
 * Latest heartbeat figures for each agent, read from GET /api/agents/:id/heartbeats?limit=1 —
 * a pod is a handful of agents, so a few small reads in parallel cost less than one big one.
 */
export async function latestVitals(api: Api, agents: Agent[], max = 80): Promise<Map<string, Vitals>> {
  const picked = agents.filter((a) => a.last_seen_at !== null).slice(0, max);
  const res = await pool(picked, 6, async (a) => {
    try {
      const page = await api.get<Page<Heartbeat>>(`/api/agents/${encodeURIComponent(a.agent_id)}/heartbeats`, { limit: 1 });
      const h = page.items[0];
      return [a.agent_id, h ? { queue_depth: h.queue_depth, error_count_1h: h.error_count_1h, latency_p95_ms: h.latency_p95_ms, token_burn_1h: h.token_burn_1h, received_at: h.received_at } : EMPTY] as const;
    } catch {
      return [a.agent_id, EMPTY] as const;
    }
  });
  return new Map(res);
}
