import type { HeartbeatBody } from '@aetherboard/contracts';
import { DomainError, conflict, notFound } from '../domain/errors.js';
import { decideAgent } from '../domain/evaluate.js';
import { applyBeat, beatNeedsEvaluation, mayDeferWrite } from '../domain/heartbeat.js';
import { isClosed } from '../domain/lifecycle.js';
import type { LivenessPolicy } from '../domain/policy.js';
import { msOrNull } from '../store/codec.js';
import type { HeartbeatStore, LivenessRow, LivenessUpdate, NewBeat } from '../store/heartbeats.js';
import type { ServiceContext } from './context.js';
import { snapshotOf } from './evaluate-agent.js';

export interface BeatInput {
  ws: string;
  agentId: string;
  body: HeartbeatBody;
}

export type BeatResult = { ok: true; receivedAt: number } | { ok: false; error: DomainError };

interface Pending {
  items: BeatInput[];
  receivedAt: number;
  resolve: (r: BeatResult[]) => void;
  reject: (e: unknown) => void;
}

interface Committed {
  results: BeatResult[][];
  /** How many beats were stored. */
  stored: number;
  toEvaluate: Array<[string, string]>;
  /** Per workspace, the agents that beat (listed only up to HEARTBEAT_EVENT_AGENTS + 1). */
  beaten: Map<string, Set<string>>;
}

/**
 * A `heartbeats` live event names the agents that beat when there are at most this many (agent
 * keys and an agent's page then hear only of their own agent); a larger batch is announced by
 * count alone, which means "refresh what you show".
 */
export const HEARTBEAT_EVENT_AGENTS = 32;

const MAX_PER_FLUSH = 50_000;

/**
 * Group commit for heartbeats. Requests queue their beats; one flush writes everything queued in a
 * single transaction and answers each request only once an fsync covering it has finished, so a
 * 2xx always means durable. While one batch waits for its fsync, what arrives is gathered and
 * committed as one batch the moment that fsync ends (it could not be acknowledged any sooner:
 * it needs the next fsync either way), so batches grow with load, and so does throughput,
 * instead of being capped at one batch per disk flush.
 */
export class HeartbeatIngest {
  private queue: Pending[] = [];
  private queued = 0;
  private scheduled = false;
  private flushing = false;
  private syncing = false;
  /** Heartbeats durably stored since this process started (a Prometheus counter). */
  accepted = 0;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly store: HeartbeatStore,
    /** Fully evaluates agents whose health, state or alerts a beat may have changed. */
    private readonly evaluate: (keys: Array<[string, string]>) => Promise<void>,
  ) {}

  submit(items: BeatInput[]): Promise<BeatResult[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, receivedAt: this.ctx.clock.now(), resolve, reject });
      this.queued += items.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing || this.syncing) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    const batch: Pending[] = [];
    let n = 0;
    while (this.queue.length > 0 && (n === 0 || n + this.queue[0]!.items.length <= MAX_PER_FLUSH)) {
      const p = this.queue.shift()!;
      batch.push(p);
      n += p.items.length;
    }
    this.queued -= n;
    let done: Committed;
    try {
      done = await this.commit(batch);
    } catch (err) {
      this.flushing = false;
      if (this.queue.length > 0) this.schedule();
      for (const p of batch) p.reject(err);
      return;
    }
    this.flushing = false;
    this.syncing = true;
    try {
      try {
        // Acknowledged means on stable storage: wait for the WAL fsync (shared with other writers).
        await this.ctx.database.durable();
      } finally {
        this.syncing = false;
        if (this.queue.length > 0) this.schedule();
      }
      if (done.toEvaluate.length > 0) await this.evaluate(done.toEvaluate);
      for (const [ws, ids] of done.beaten) {
        if (ids.size > HEARTBEAT_EVENT_AGENTS) this.ctx.bus.emit({ workspace_id: ws, type: 'heartbeats', data: { agent_ids: null } });
        else if (ids.size > 0) {
          const list = [...ids];
          this.ctx.bus.emit({ workspace_id: ws, type: 'heartbeats', ...(list.length === 1 && { agent_id: list[0] }), data: { agent_ids: list } });
        }
      }
      this.accepted += done.stored;
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(done.results[i]!);
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  /** Stores the batch in one transaction (not yet durable) and says what to do once it is. */
  private async commit(batch: Pending[]): Promise<Committed> {
    const items: BeatInput[] = [];
    const policies = new Map<string, LivenessPolicy>();
    for (const p of batch) {
      for (const it of p.items) {
        items.push(it);
        if (!policies.has(it.ws)) policies.set(it.ws, await this.ctx.policies.get(it.ws));
      }
    }
    let stored = 0;
    const now = this.ctx.clock.now();
    // Every accepted beat of a request shares one result: a batch of 10,000 allocates none.
    const results: BeatResult[][] = batch.map((p) => new Array<BeatResult>(p.items.length).fill({ ok: true, receivedAt: p.receivedAt }));
    const toEvaluate: Array<[string, string]> = [];
    const beaten = new Map<string, Set<string>>();

    await this.store.ingest(items, (rows) => {
      // Beats of one agent in this batch share its working copy (rows are one object per agent).
      const working = new Map<LivenessRow, LivenessRow>();
      const beats: NewBeat[] = [];
      let i = 0;
      for (let pi = 0; pi < batch.length; pi++) {
        const p = batch[pi]!;
        const at = p.receivedAt;
        for (let ii = 0; ii < p.items.length; ii++, i++) {
          const it = p.items[ii]!;
          const found = rows[i];
          if (!found) {
            results[pi]![ii] = { ok: false, error: notFound('agent', it.agentId) };
            continue;
          }
          // A beat changes no agent's state, so the stored one decides; a refused beat leaves no working copy.
          if (isClosed(found.current_state)) {
            results[pi]![ii] = { ok: false, error: conflict(`agent '${it.agentId}' is ${found.current_state}; heartbeats are no longer accepted`) };
            continue;
          }
          let row = working.get(found);
          if (!row) working.set(found, (row = { ...found }));
          const b = it.body;
          beats.push({
            workspace_id: it.ws,
            agent_id: it.agentId,
            received_at: at,
            emitted_at: msOrNull(b.emitted_at),
            status: b.status,
            work_mode: b.work_mode,
            active_assignment_id: b.active_assignment_id ?? null,
            queue_depth: b.queue_depth ?? null,
            error_count_1h: b.error_count_1h ?? null,
            latency_p95_ms: b.latency_p95_ms ?? null,
            token_burn_1h: b.token_burn_1h ?? null,
            summary: b.summary ?? null,
            agent: row,
          });
          applyBeat(row, b, at);
        }
      }
      const updates: LivenessUpdate[] = [];
      // One working copy per agent that stored a beat: what the live event names, and what is written.
      for (const [before, row] of working) {
        let ids = beaten.get(row.workspace_id);
        if (!ids) beaten.set(row.workspace_id, (ids = new Set()));
        if (ids.size <= HEARTBEAT_EVENT_AGENTS) ids.add(row.agent_id);
        const policy = policies.get(row.workspace_id)!;
        const d = decideAgent(snapshotOf(row), policy, now);
        const needsEval = beatNeedsEvaluation(before, row, d, policy);
        if (needsEval) {
          toEvaluate.push([row.workspace_id, row.agent_id]);
          // Due now: if the process dies before the evaluation below, the engine still does it.
          row.next_deadline = now;
        } else {
          row.next_deadline = d.plan.nextDeadline;
          row.health_reason = d.plan.reason;
        }
        updates.push({ row, defer: mayDeferWrite(before.next_deadline, d.plan.nextDeadline, needsEval) });
      }
      stored = beats.length;
      return { beats, updates };
    });

    return { results, stored, toEvaluate, beaten };
  }
}

export function assertBeatAccepted(r: BeatResult | undefined): number {
  if (!r) throw new DomainError('validation_failed', 'no heartbeat');
  if (!r.ok) throw r.error;
  return r.receivedAt;
}
