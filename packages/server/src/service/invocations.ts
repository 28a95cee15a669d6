import type { Kysely } from 'kysely';
import { BatchInvocationItem, DEFAULT_ABANDON_AFTER_S, type CompleteInvocation, type InvocationBatchResult, type StartInvocation } from '@aetherboard/contracts';
import { clampComplexity, estimateComplexity, DEFAULT_COMPLEXITY, type ComplexityEstimator } from '../domain/complexity.js';
import { DomainError, conflict, notFound, unknownReference } from '../domain/errors.js';
import { isClosed } from '../domain/lifecycle.js';
import { getAgent } from '../store/agents.js';
import { ms, msOrNull, parseJson } from '../store/codec.js';
import {
  bumpAgentCounters,
  chunks,
  closeInvocation,
  emptyDelta,
  findInvocations,
  getInvocation,
  insertInvocation,
  insertInvocations,
  inv,
  openStartedBefore,
  type CounterDelta,
  type InvocationRow,
} from '../store/invocations.js';
import type { DB } from '../store/tables.js';
import type { ServiceContext } from './context.js';

const estimators = new WeakMap<ServiceContext, ComplexityEstimator>();

/** Replaces the keyword estimator for one app (null restores the default). */
export function setComplexityEstimator(ctx: ServiceContext, estimator: ComplexityEstimator | null): void {
  if (estimator) estimators.set(ctx, estimator);
  else estimators.delete(ctx);
}

function complexityOf(ctx: ServiceContext, given: number | undefined, task: string, context: Record<string, unknown>): { score: number; source: 'client' | 'estimated' } {
  if (given !== undefined) return { score: given, source: 'client' };
  const estimator = estimators.get(ctx) ?? estimateComplexity;
  try {
    return { score: clampComplexity(estimator(task, context)), source: 'estimated' };
  } catch {
    // A faulty estimator must not cost the record itself.
    return { score: DEFAULT_COMPLEXITY, source: 'estimated' };
  }
}

function openRow(ctx: ServiceContext, ws: string, id: string, body: StartInvocation, startedAt: number, now: number): InvocationRow {
  const context = body.context ?? {};
  const c = complexityOf(ctx, body.complexity_score, body.task_description, context);
  return {
    workspace_id: ws,
    invocation_id: id,
    agent_id: body.agent_id,
    name: body.name ?? null,
    task_description: body.task_description,
    complexity_score: c.score,
    complexity_source: c.source,
    context: JSON.stringify(context),
    assignment_id: body.assignment_id ?? null,
    session_id: body.session_id ?? null,
    started_at: startedAt,
    completed_at: null,
    outcome: 'open',
    outcome_summary: null,
    execution_time_ms: null,
    cpu_usage_percent: null,
    memory_usage_mb: null,
    peak_memory_mb: null,
    tokens_used: null,
    cost_usd: null,
    error_details: null,
    received_at: now,
  };
}

/** The columns a completion writes, from the contract's completion fields. */
function completionColumns(body: CompleteInvocation, startedAt: number, completedAt: number): Partial<InvocationRow> {
  return {
    completed_at: completedAt,
    outcome: body.success ? 'success' : 'failure',
    outcome_summary: body.outcome_summary ?? null,
    execution_time_ms: body.execution_time_ms ?? Math.max(0, completedAt - startedAt),
    cpu_usage_percent: body.cpu_usage_percent ?? null,
    memory_usage_mb: body.memory_usage_mb ?? null,
    peak_memory_mb: body.peak_memory_mb ?? null,
    tokens_used: body.tokens_used ?? null,
    cost_usd: body.cost_usd ?? null,
    error_details: body.error_details ?? null,
  };
}

/** How the roster counters move when an invocation closes, given what it was before. */
function closeDelta(previous: string, previousMs: number | null, success: boolean, executionMs: number): CounterDelta {
  const d = emptyDelta();
  if (previous === 'open') d.total = 1;
  // A late completion of an abandoned invocation replaces the failure it was counted as.
  if (previous === 'abandoned') {
    d.failed -= 1;
    d.responseMs -= previousMs ?? 0;
  }
  if (success) d.succeeded += 1;
  else d.failed += 1;
  d.responseMs += executionMs;
  return d;
}

function addDelta(into: Map<string, CounterDelta>, agentId: string, d: CounterDelta): void {
  const cur = into.get(agentId) ?? emptyDelta();
  cur.total += d.total;
  cur.succeeded += d.succeeded;
  cur.failed += d.failed;
  cur.responseMs += d.responseMs;
  into.set(agentId, cur);
}

async function applyDeltas(tx: Kysely<DB>, ws: string, deltas: Map<string, CounterDelta>): Promise<void> {
  // A stable order keeps two concurrent batches from locking the same agents in opposite orders.
  for (const agentId of [...deltas.keys()].sort()) await bumpAgentCounters(tx, ws, agentId, deltas.get(agentId)!);
}

export async function startInvocation(ctx: ServiceContext, ws: string, body: StartInvocation): Promise<{ row: InvocationRow; replay: boolean }> {
  const now = ctx.clock.now();
  const id = body.invocation_id ?? ctx.ids.next();
  const startedAt = msOrNull(body.started_at) ?? now;
  const result = await ctx.database.db.transaction().execute(async (tx) => {
    const agent = await getAgent(tx, ws, body.agent_id);
    if (!agent) throw unknownReference('agent_id', body.agent_id, 'agent');
    if (isClosed(agent.current_state)) {
      throw conflict(`agent '${body.agent_id}' is ${agent.current_state} and takes no new work`, { agent_id: body.agent_id });
    }
    const existing = await getInvocation(tx, ws, id);
    if (existing) {
      if (existing.agent_id !== body.agent_id) throw conflict(`invocation '${id}' already exists for another agent`, { field: 'invocation_id' });
      return { row: existing, replay: true };
    }
    const row = openRow(ctx, ws, id, body, startedAt, now);
    if (!(await insertInvocation(tx, row))) throw conflict(`invocation '${id}' already exists`, { field: 'invocation_id' });
    return { row, replay: false };
  });
  if (!result.replay) ctx.bus.emit({ workspace_id: ws, type: 'invocation.started', agent_id: body.agent_id, data: { invocation_id: id } });
  return result;
}

export async function completeInvocation(
  ctx: ServiceContext,
  ws: string,
  id: string,
  body: CompleteInvocation,
  authorize: (agentId: string) => void,
): Promise<InvocationRow> {
  const now = ctx.clock.now();
  const row = await ctx.database.db.transaction().execute(async (tx) => {
    const cur = await getInvocation(tx, ws, id);
    if (!cur) throw notFound('invocation', id);
    authorize(cur.agent_id);
    if (cur.outcome === 'success' || cur.outcome === 'failure') {
      throw conflict(`invocation '${id}' is already complete (${cur.outcome})`, { outcome: cur.outcome });
    }
    const agent = await getAgent(tx, ws, cur.agent_id);
    if (agent?.current_state === 'archived') throw conflict(`agent '${cur.agent_id}' is archived and read-only`, { agent_id: cur.agent_id });
    const completedAt = msOrNull(body.completed_at) ?? now;
    const startedAt = Number(cur.started_at);
    if (completedAt < startedAt) {
      throw new DomainError('validation_failed', 'completed_at is before the invocation started', [{ path: 'body.completed_at', message: 'must not be before started_at' }]);
    }
    const set = completionColumns(body, startedAt, completedAt);
    const before = await closeInvocation(tx, ws, id, set);
    if (!before) throw conflict(`invocation '${id}' was completed by another request`);
    const deltas = new Map<string, CounterDelta>();
    addDelta(deltas, cur.agent_id, closeDelta(before.outcome, before.execution_time_ms, body.success, set.execution_time_ms ?? 0));
    await applyDeltas(tx, ws, deltas);
    return { ...cur, ...set } as InvocationRow;
  });
  ctx.bus.emit({ workspace_id: ws, type: 'invocation.completed', agent_id: row.agent_id, data: { invocation_id: id, outcome: row.outcome } });
  return row;
}

type Rejection = InvocationBatchResult['rejected'][number];

function firstIssue(err: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  const i = err.issues[0];
  if (!i) return 'invalid item';
  const path = i.path.map(String).join('.');
  return path ? `${path}: ${i.message}` : i.message;
}

/**
 * Finished invocations, each checked on its own. The invocation id is the idempotency key: an
 * item whose id is already stored finished counts as a duplicate and changes nothing, so a client
 * that retries after a lost answer never counts twice. An item whose id is stored open (or was
 * abandoned) completes it.
 */
export async function recordBatch(ctx: ServiceContext, ws: string, items: unknown[]): Promise<InvocationBatchResult> {
  const now = ctx.clock.now();
  const rejected: Rejection[] = [];
  const reject = (index: number, code: string, message: string) => rejected.push({ index, error: { code, message } });

  type Valid = { index: number; id: string; item: BatchInvocationItem };
  const parsed: Valid[] = [];
  for (let index = 0; index < items.length; index++) {
    const r = BatchInvocationItem.safeParse(items[index]);
    if (!r.success) reject(index, 'validation_failed', firstIssue(r.error));
    else parsed.push({ index, id: r.data.invocation_id ?? ctx.ids.next(), item: r.data });
  }

  const states = new Map<string, string>();
  for (const part of chunks([...new Set(parsed.map((p) => p.item.agent_id))], 900)) {
    const rows = await ctx.database.db.selectFrom('agents').select(['agent_id', 'current_state']).where('workspace_id', '=', ws).where('agent_id', 'in', part).execute();
    for (const r of rows) states.set(r.agent_id, r.current_state);
  }

  let duplicates = 0;
  const firstOf = new Map<string, Valid>();
  const valid: Valid[] = [];
  for (const p of parsed) {
    const state = states.get(p.item.agent_id);
    if (state === undefined) reject(p.index, 'unknown_reference', `agent_id '${p.item.agent_id}' is no agent of this workspace`);
    else if (state === 'archived') reject(p.index, 'conflict', `agent '${p.item.agent_id}' is archived and read-only`);
    else {
      const first = firstOf.get(p.id);
      if (!first) {
        firstOf.set(p.id, p);
        valid.push(p);
      } else if (first.item.agent_id === p.item.agent_id) duplicates += 1;
      else reject(p.index, 'conflict', `invocation_id '${p.id}' appears twice for different agents`);
    }
  }

  let stored = 0;
  if (valid.length > 0) {
    const outcome = await ctx.database.db.transaction().execute(async (tx) => {
      const existing = await findInvocations(tx, ws, valid.map((v) => v.id));
      const deltas = new Map<string, CounterDelta>();
      const fresh: Array<{ v: Valid; row: InvocationRow }> = [];
      const completions: Array<{ v: Valid; set: Partial<InvocationRow>; startedAt: number }> = [];
      let dup = 0;
      const bad: Rejection[] = [];
      for (const v of valid) {
        const e = existing.get(v.id);
        const startedAt = ms(v.item.started_at);
        if (!e) {
          const completedAt = msOrNull(v.item.completed_at) ?? (v.item.execution_time_ms !== undefined ? Math.round(startedAt + v.item.execution_time_ms) : Math.max(now, startedAt));
          const row: InvocationRow = { ...openRow(ctx, ws, v.id, v.item, startedAt, now), ...completionColumns(v.item, startedAt, completedAt) } as InvocationRow;
          fresh.push({ v, row });
        } else if (e.agent_id !== v.item.agent_id) {
          bad.push({ index: v.index, error: { code: 'conflict', message: `invocation_id '${v.id}' belongs to another agent` } });
        } else if (e.outcome === 'open' || e.outcome === 'abandoned') {
          const from = Number(e.started_at);
          const completedAt = msOrNull(v.item.completed_at) ?? (v.item.execution_time_ms !== undefined ? Math.round(from + v.item.execution_time_ms) : Math.max(now, from));
          completions.push({ v, set: completionColumns(v.item, from, completedAt), startedAt: from });
        } else dup += 1;
      }
      const inserted = await insertInvocations(
        tx,
        fresh.map((f) => f.row),
      );
      let done = 0;
      for (const f of fresh) {
        // Not inserted means a concurrent copy of this very item got there first.
        if (!inserted.has(f.row.invocation_id)) {
          dup += 1;
          continue;
        }
        done += 1;
        addDelta(deltas, f.row.agent_id, closeDelta('open', null, f.v.item.success, f.row.execution_time_ms ?? 0));
      }
      for (const c of completions) {
        const before = await closeInvocation(tx, ws, c.v.id, c.set);
        if (!before) {
          dup += 1;
          continue;
        }
        done += 1;
        addDelta(deltas, c.v.item.agent_id, closeDelta(before.outcome, before.execution_time_ms, c.v.item.success, c.set.execution_time_ms ?? 0));
      }
      await applyDeltas(tx, ws, deltas);
      return { done, dup, bad };
    });
    stored = outcome.done;
    duplicates += outcome.dup;
    rejected.push(...outcome.bad);
  }
  rejected.sort((a, b) => a.index - b.index);
  if (stored > 0) ctx.bus.emit({ workspace_id: ws, type: 'invocations.recorded', data: { count: stored } });
  return { accepted: stored + duplicates, duplicates, rejected };
}

const SWEEP_CHUNK = 500;

/** Workspace settings key `invocations.abandon_after_s`; the default is one hour. */
export function abandonAfterMs(settings: string | null): number {
  try {
    const s = parseJson<{ invocations?: { abandon_after_s?: unknown } }>(settings, {});
    const v = s.invocations?.abandon_after_s;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 1) return Math.round(v * 1000);
  } catch {
    // Unreadable settings fall back to the default rather than stopping the sweep.
  }
  return DEFAULT_ABANDON_AFTER_S * 1000;
}

/**
 * Closes, as failures with outcome `abandoned`, the invocations still open longer than their
 * workspace allows. Costs one index probe per workspace when nothing is overdue.
 */
export async function sweepAbandoned(svc: ServiceContext, now: number): Promise<number> {
  const db = svc.database.db;
  const workspaces = await db.selectFrom('workspaces').select(['workspace_id', 'settings']).execute();
  let total = 0;
  for (const w of workspaces) {
    const ws = w.workspace_id;
    const limitMs = abandonAfterMs(w.settings);
    const cutoff = now - limitMs;
    let closedHere = 0;
    for (;;) {
      const due = await openStartedBefore(db, ws, cutoff, SWEEP_CHUNK);
      if (due.length === 0) break;
      closedHere += await db.transaction().execute(async (tx) => {
        const closed = await inv(tx)
          .updateTable('invocations')
          .set((eb) => ({
            outcome: 'abandoned',
            completed_at: now,
            // The caller waited at least this long without an answer: a lower bound, counted as such.
            execution_time_ms: eb(eb.val(now), '-', eb.ref('started_at')),
            error_details: `abandoned: not completed within ${Math.round(limitMs / 1000)} s of its start`,
          }))
          .where('workspace_id', '=', ws)
          .where(
            'invocation_id',
            'in',
            due.map((d) => d.invocation_id),
          )
          .where('completed_at', 'is', null)
          .returning(['agent_id', 'execution_time_ms'])
          .execute();
        const deltas = new Map<string, CounterDelta>();
        for (const c of closed) addDelta(deltas, c.agent_id, closeDelta('open', null, false, Number(c.execution_time_ms ?? 0)));
        await applyDeltas(tx, ws, deltas);
        return closed.length;
      });
      if (due.length < SWEEP_CHUNK) break;
    }
    if (closedHere > 0) svc.bus.emit({ workspace_id: ws, type: 'invocations.abandoned', data: { count: closedHere } });
    total += closedHere;
  }
  return total;
}
