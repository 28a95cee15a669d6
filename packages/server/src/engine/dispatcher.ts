import type { Kysely } from 'kysely';
import { fenced, type ServiceContext } from '../service/context.js';
import { parseJson, iso } from '../store/codec.js';
import { insertEvent, markDispatched, pendingOutbox, type EventRow } from '../store/events.js';
import type { DB } from '../store/tables.js';
import { getMeta, setMeta } from '../store/workspaces.js';
import { toAlert } from '../store/alerts.js';
import type { Notifier } from './notifiers/notifier.js';

/** Retry schedule after each failed attempt; after the last one the delivery is marked failed. */
const CLAIM_MS = 60_000;

export const BACKOFF_MS = [10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];

export function backoffAfter(attempts: number): number | null {
  return attempts <= BACKOFF_MS.length ? BACKOFF_MS[attempts - 1]! : null;
}

function eventBody(e: EventRow): Record<string, unknown> {
  return {
    event: e.type,
    event_id: String(e.seq),
    workspace_id: e.workspace_id,
    at: iso(e.at),
    agent_id: e.agent_id,
    alert_id: e.alert_id,
    from: e.from_value,
    to: e.to_value,
    reason: e.reason,
    ...parseJson<Record<string, unknown>>(e.payload, {}),
  };
}

/** Turns undispatched outbox events into one pending delivery per subscribed webhook. */
export async function fanOut(ctx: ServiceContext, now: number): Promise<number> {
  const db = ctx.database.db;
  let total = 0;
  for (;;) {
    const events = await pendingOutbox(db, 500);
    if (events.length === 0) return total;
    await db.transaction().execute(async (tx) => {
      await fenced(ctx, tx);
      const hooksByWs = new Map<string, Array<{ webhook_id: string; events: string[] }>>();
      for (const e of events) {
        let hooks = hooksByWs.get(e.workspace_id);
        if (!hooks) {
          const rows = await tx.selectFrom('webhooks').select(['webhook_id', 'events']).where('workspace_id', '=', e.workspace_id).where('active', '=', 1).execute();
          hooks = rows.map((r) => ({ webhook_id: r.webhook_id, events: parseJson<string[]>(r.events, []) }));
          hooksByWs.set(e.workspace_id, hooks);
        }
        const body = JSON.stringify(eventBody(e));
        for (const h of hooks) {
          if (!h.events.includes('*') && !h.events.includes(e.type)) continue;
          await tx
            .insertInto('webhook_deliveries')
            .values({ workspace_id: e.workspace_id, webhook_id: h.webhook_id, event_seq: e.seq, event_type: e.type, body, status: 'pending', attempts: 0, next_attempt_at: now, last_status_code: null, last_error: null, created_at: now, delivered_at: null })
            .onConflict((oc) => oc.columns(['webhook_id', 'event_seq']).doNothing())
            .execute();
        }
      }
      await markDispatched(tx, events.map((e) => e.seq), now);
    });
    total += events.length;
  }
}

/** Attempts every delivery that is due; each attempt's outcome is logged on the delivery. */
export async function deliverDue(ctx: ServiceContext, notifier: Notifier, now: number, concurrency = 8): Promise<number> {
  const db = ctx.database.db;
  // Claim what is due: one replica attempts a delivery at a time, and a sender that dies
  // mid-attempt leaves it to be retried once the claim lapses (delivery is at least once;
  // receivers dedupe on event_id).
  const due = await db.transaction().execute(async (tx) => {
    await fenced(ctx, tx);
    let q = tx
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.webhook_id', 'd.webhook_id')
      .select(['d.delivery_id', 'd.attempts', 'd.body', 'd.event_type', 'w.url', 'w.secret'])
      .where('d.next_attempt_at', 'is not', null)
      .where('d.next_attempt_at', '<=', now)
      .orderBy('d.next_attempt_at')
      .limit(200);
    if (ctx.database.dialect === 'postgres') q = q.forUpdate('d').skipLocked();
    const rows = await q.execute();
    if (rows.length > 0) await tx.updateTable('webhook_deliveries').set({ next_attempt_at: now + CLAIM_MS }).where('delivery_id', 'in', rows.map((r) => r.delivery_id)).execute();
    return rows;
  });
  let i = 0;
  const worker = async () => {
    while (i < due.length) {
      const d = due[i++]!;
      const attempt = d.attempts + 1;
      const r = await notifier.deliver({ url: d.url, secret: d.secret, eventType: d.event_type, body: d.body, attempt });
      const at = ctx.clock.now();
      const wait = r.ok ? null : backoffAfter(attempt);
      await db
        .updateTable('webhook_deliveries')
        .set({
          attempts: attempt,
          status: r.ok ? 'delivered' : wait === null ? 'failed' : 'pending',
          delivered_at: r.ok ? at : null,
          next_attempt_at: r.ok || wait === null ? null : at + wait,
          last_status_code: r.statusCode,
          last_error: r.error,
        })
        .where('delivery_id', '=', d.delivery_id)
        .execute();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
  return due.length;
}

export async function earliestDelivery(db: Kysely<DB>): Promise<number | null> {
  const r = await db.selectFrom('webhook_deliveries').select('next_attempt_at').where('next_attempt_at', 'is not', null).orderBy('next_attempt_at').limit(1).executeTakeFirst();
  return r?.next_attempt_at ?? null;
}

const digestKey = (ws: string) => `digest_at:${ws}`;

/** When each workspace with undigested P2 alerts is due its next digest. */
export async function digestSchedule(ctx: ServiceContext): Promise<Map<string, number>> {
  const db = ctx.database.db;
  const rows = await db
    .selectFrom('alerts')
    .select(['workspace_id', (eb) => eb.fn.min('opened_at').as('first')])
    .where('severity', '=', 'P2')
    .where('digested_at', 'is', null)
    .groupBy('workspace_id')
    .execute();
  const out = new Map<string, number>();
  for (const r of rows) {
    const policy = await ctx.policies.get(r.workspace_id);
    const last = Number((await getMeta(db, digestKey(r.workspace_id))) ?? NaN);
    // The first digest goes one interval after the first batched alert; later ones on the cadence.
    const due = Number.isFinite(last) ? last + policy.digestIntervalMs : Number(r.first) + policy.digestIntervalMs;
    out.set(r.workspace_id, due);
  }
  return out;
}

/** Batches P2 alerts into one `alert.digest` notification per workspace per interval. */
export async function sendDigests(ctx: ServiceContext, now: number): Promise<number> {
  const db = ctx.database.db;
  let sent = 0;
  for (const [ws, due] of await digestSchedule(ctx)) {
    if (due > now) continue;
    await db.transaction().execute(async (tx) => {
      await fenced(ctx, tx);
      const alerts = await tx.selectFrom('alerts').selectAll().where('workspace_id', '=', ws).where('severity', '=', 'P2').where('digested_at', 'is', null).orderBy('opened_at').execute();
      if (alerts.length === 0) return;
      await tx.updateTable('alerts').set({ digested_at: now }).where('alert_id', 'in', alerts.map((a) => a.alert_id)).execute();
      await insertEvent(tx, {
        workspace_id: ws,
        agent_id: null,
        at: now,
        type: 'alert.digest',
        to_value: String(alerts.length),
        reason: `${alerts.length} batched alert(s)`,
        payload: { alerts: alerts.map(toAlert) },
      });
      await setMeta(tx, digestKey(ws), String(now));
      sent += 1;
    });
  }
  return sent;
}
