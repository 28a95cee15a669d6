import { z } from 'zod';
import { CreateWebhook, Id, ListQuery, Webhook, WebhookDelivery, page } from '@aetherboard/contracts';
import { notFound } from '../../domain/errors.js';
import { decodeNumberCursor, decodeStringCursor, iso, isoOrNull, pageOf, parseJson } from '../../store/codec.js';
import type { DB } from '../../store/tables.js';
import { requireRole } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

const toWebhook = (r: DB['webhooks']): Webhook => ({
  webhook_id: r.webhook_id,
  url: r.url,
  events: parseJson<Webhook['events']>(r.events, []),
  active: r.active === 1,
  created_at: iso(r.created_at),
});

export function webhookRoutes(d: RouteDeps): AnyRoute[] {
  const { svc } = d;
  const db = () => svc.database.db;
  const load = async (ws: string, id: string) => {
    const w = await db().selectFrom('webhooks').selectAll().where('workspace_id', '=', ws).where('webhook_id', '=', id).executeTakeFirst();
    if (!w) throw notFound('webhook', id);
    return w;
  };
  return [
    defineRoute({
      method: 'POST',
      url: '/api/webhooks',
      tag: 'webhooks',
      summary: 'Subscribe a URL to events; deliveries are HMAC-signed, retried with backoff and logged',
      description: 'Each delivery carries `X-AetherBoard-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>`.',
      access: 'authenticated',
      roles: 'admin',
      body: CreateWebhook,
      responses: { 201: { description: 'created (the secret is never returned)', schema: Webhook } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'admin');
        const row = { webhook_id: svc.ids.next(), workspace_id: principal.workspaceId, url: body.url, events: JSON.stringify([...new Set(body.events)]), secret: body.secret, active: 1, created_at: svc.clock.now() };
        await db().insertInto('webhooks').values(row).execute();
        return { status: 201, body: toWebhook(row) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/webhooks',
      tag: 'webhooks',
      summary: 'List webhooks',
      access: 'authenticated',
      roles: 'admin',
      query: ListQuery,
      responses: { 200: { description: 'a page of webhooks', schema: page(Webhook) } },
      handler: async ({ query, principal }) => {
        requireRole(principal, 'admin');
        const after = decodeStringCursor(query.cursor);
        let q = db().selectFrom('webhooks').selectAll().where('workspace_id', '=', principal.workspaceId);
        if (after !== undefined) q = q.where('webhook_id', '>', after);
        const rows = await q.orderBy('webhook_id').limit(query.limit + 1).execute();
        return { body: pageOf(rows, query.limit, (r) => r.webhook_id, toWebhook) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/webhooks/:id',
      tag: 'webhooks',
      summary: 'Stop sending to a webhook (its delivery log is kept)',
      access: 'authenticated',
      roles: 'admin',
      params: z.object({ id: Id }),
      responses: { 204: { description: 'deactivated' } },
      handler: async ({ params, principal }) => {
        requireRole(principal, 'admin');
        await load(principal.workspaceId, params.id);
        await db().updateTable('webhooks').set({ active: 0 }).where('webhook_id', '=', params.id).execute();
        await db().updateTable('webhook_deliveries').set({ status: 'failed', next_attempt_at: null, last_error: 'webhook removed' }).where('webhook_id', '=', params.id).where('status', '=', 'pending').execute();
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/webhooks/:id/deliveries',
      tag: 'webhooks',
      summary: 'The delivery log of a webhook, newest first: every attempt, status code and error',
      access: 'authenticated',
      roles: 'admin',
      params: z.object({ id: Id }),
      query: ListQuery.extend({ status: z.enum(['pending', 'delivered', 'failed']).optional() }),
      responses: { 200: { description: 'a page of deliveries', schema: page(WebhookDelivery) } },
      handler: async ({ params, query, principal }) => {
        requireRole(principal, 'admin');
        await load(principal.workspaceId, params.id);
        const before = decodeNumberCursor(query.cursor);
        let q = db().selectFrom('webhook_deliveries').selectAll().where('workspace_id', '=', principal.workspaceId).where('webhook_id', '=', params.id);
        if (query.status) q = q.where('status', '=', query.status);
        if (before !== undefined) q = q.where('delivery_id', '<', before);
        const rows = await q.orderBy('delivery_id', 'desc').limit(query.limit + 1).execute();
        return {
          body: pageOf(rows, query.limit, (r) => r.delivery_id, (r) => ({
            delivery_id: String(r.delivery_id),
            webhook_id: r.webhook_id,
            event_type: r.event_type,
            status: r.status as WebhookDelivery['status'],
            attempts: r.attempts,
            next_attempt_at: isoOrNull(r.next_attempt_at),
            last_status_code: r.last_status_code,
            last_error: r.last_error,
            created_at: iso(r.created_at),
            delivered_at: isoOrNull(r.delivered_at),
            body: parseJson<unknown>(r.body, null),
          })),
        };
      },
    }),
  ];
}
