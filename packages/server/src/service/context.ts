import type { Kysely } from 'kysely';
import { monotonicFactory } from 'ulid';
import type { DB } from '../store/tables.js';
import type { Fence } from '../store/lease.js';
import type { Clock } from '../clock.js';
import type { Database } from '../store/db.js';
import { DEFAULT_POLICY, type LivenessPolicy } from '../domain/policy.js';
import { getWorkspace } from '../store/workspaces.js';
import { parseJson } from '../store/codec.js';

export interface IdGen {
  next(): string;
}

export function ulidGen(clock: Clock): IdGen {
  const gen = monotonicFactory();
  return { next: () => gen(clock.now()) };
}

/**
 * Workspace policies are read often (every heartbeat) and changed rarely, so they are cached and
 * dropped on change. Settings are a partial override of the defaults.
 */
export class PolicyCache {
  private readonly cache = new Map<string, { policy: LivenessPolicy; at: number }>();
  /** Other replicas see a settings change within this long; this one at once. */
  private readonly ttlMs = 5_000;
  constructor(private readonly database: Database) {}

  /** Pass the open transaction when there is one: SQLite has a single connection. */
  async get(ws: string, db: Kysely<DB> = this.database.db): Promise<LivenessPolicy> {
    const t = performance.now();
    const hit = this.cache.get(ws);
    if (hit && (this.database.dialect === 'sqlite' || t - hit.at < this.ttlMs)) return hit.policy;
    const row = await getWorkspace(db, ws);
    const overrides = parseJson<{ liveness?: Partial<LivenessPolicy> }>(row?.settings ?? null, {});
    const policy = mergePolicy(overrides.liveness ?? {});
    this.cache.set(ws, { policy, at: t });
    return policy;
  }

  invalidate(ws: string): void {
    this.cache.delete(ws);
  }
}

export function mergePolicy(o: Partial<LivenessPolicy>): LivenessPolicy {
  return {
    ...DEFAULT_POLICY,
    ...o,
    cadenceMs: { ...DEFAULT_POLICY.cadenceMs, ...(o.cadenceMs ?? {}) },
    blockedLimitMs: { ...DEFAULT_POLICY.blockedLimitMs, ...(o.blockedLimitMs ?? {}) },
    degradedLimitMs: { ...DEFAULT_POLICY.degradedLimitMs, ...(o.degradedLimitMs ?? {}) },
  };
}

/** A change other parts of the product may want to hear of (live dashboards, notifiers). */
export interface ChangeEvent {
  workspace_id: string;
  type: string;
  agent_id?: string;
  data?: unknown;
}

export type ChangeListener = (e: ChangeEvent) => void;

export class ChangeBus {
  private readonly listeners = new Set<ChangeListener>();
  /** Carries local events to other replicas (PostgreSQL LISTEN/NOTIFY); see store/pg-bus.ts. */
  outbound: ChangeListener | null = null;
  on(l: ChangeListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(e: ChangeEvent): void {
    this.emitLocal(e);
    this.outbound?.(e);
  }
  /** Delivers to this process's listeners only (events that arrived from another replica). */
  emitLocal(e: ChangeEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure is its own; it must never fail the write that announced it.
      }
    }
  }
}

export interface ServiceContext {
  database: Database;
  clock: Clock;
  ids: IdGen;
  policies: PolicyCache;
  bus: ChangeBus;
  /** Set for the engine's own work when replicas share a database: see store/lease.ts. */
  fence?: Fence;
}

/** Engine transactions start here: a replica that lost leadership stops before it writes. */
export async function fenced(ctx: ServiceContext, tx: Kysely<DB>): Promise<void> {
  if (ctx.fence) await ctx.fence.check(tx);
}
