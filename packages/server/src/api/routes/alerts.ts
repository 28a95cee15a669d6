import { z } from 'zod';
import { AgentEvent, Alert, AlertListQuery, AlertNote, Id, ListQuery, page } from '@aetherboard/contracts';
import { conflict, notFound } from '../../domain/errors.js';
import { loadAgent } from '../../service/agents.js';
import { acknowledgeAlertRow, resolveAlertRow } from '../../service/evaluate-agent.js';
import { getAlert, listAlerts, toAlert, type AlertRow } from '../../store/alerts.js';
import { getAgent } from '../../store/agents.js';
import { authorizeRaci } from '../../service/governance.js';
import type { Kysely } from 'kysely';
import type { DB } from '../../store/tables.js';
import { decodeNumberCursor, decodeStringCursor, pageOf } from '../../store/codec.js';
import { listAgentEvents, toAgentEvent } from '../../store/events.js';
import { requireRole, requireSelfOr } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

/** Incident response on an agent's alert follows RACI for member-bound keys. */
async function raciForAlert(tx: Kysely<DB>, a: AlertRow, memberId: string | null): Promise<void> {
  if (!memberId || !a.agent_id) return;
  const agent = await getAgent(tx, a.workspace_id, a.agent_id);
  if (agent) await authorizeRaci(tx, a.workspace_id, memberId, 'incident_response', agent);
}

export function alertRoutes(d: RouteDeps): AnyRoute[] {
  const { svc } = d;
  const db = () => svc.database.db;
  return [
    defineRoute({
      method: 'GET',
      url: '/api/alerts',
      tag: 'alerts',
      summary: 'List alerts, newest first, by status, severity, agent, kind or pod',
      access: 'authenticated',
      roles: 'viewer and up',
      query: AlertListQuery,
      responses: { 200: { description: 'a page of alerts', schema: page(Alert) } },
      handler: async ({ query, principal }) => {
        requireRole(principal, 'viewer');
        const { cursor, ...f } = query;
        const rows = await listAlerts(db(), principal.workspaceId, { ...f, before: decodeStringCursor(cursor) });
        return { body: pageOf(rows, query.limit, (r) => r.alert_id, toAlert) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/alerts/:id',
      tag: 'alerts',
      summary: 'One alert, with who was notified at which escalation level',
      access: 'authenticated',
      roles: 'viewer and up',
      params: z.object({ id: Id }),
      responses: { 200: { description: 'the alert', schema: Alert } },
      handler: async ({ params, principal }) => {
        requireRole(principal, 'viewer');
        const a = await getAlert(db(), principal.workspaceId, params.id);
        if (!a) throw notFound('alert', params.id);
        return { body: toAlert(a) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/alerts/:id/ack',
      tag: 'alerts',
      summary: 'Acknowledge an alert: someone is on it, escalation stops',
      access: 'authenticated',
      roles: 'operator and up',
      params: z.object({ id: Id }),
      body: AlertNote,
      bodyRequired: false,
      responses: { 200: { description: 'the alert', schema: Alert } },
      handler: async ({ params, body, principal }) => {
        requireRole(principal, 'operator');
        const now = svc.clock.now();
        const row = await db()
          .transaction()
          .execute(async (tx) => {
            const a = await getAlert(tx, principal.workspaceId, params.id);
            if (!a) throw notFound('alert', params.id);
            await raciForAlert(tx, a, principal.memberId);
            if (a.status === 'resolved') throw conflict(`alert '${params.id}' is already resolved`);
            if (a.status === 'acknowledged') return a;
            return acknowledgeAlertRow(svc, tx, a, principal.actor, body.note ?? null, now);
          });
        return { body: toAlert(row) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/alerts/:id/resolve',
      tag: 'alerts',
      summary: 'Resolve an alert by hand (alerts also resolve themselves when their condition clears)',
      access: 'authenticated',
      roles: 'operator and up',
      params: z.object({ id: Id }),
      body: AlertNote,
      bodyRequired: false,
      responses: { 200: { description: 'the alert', schema: Alert } },
      handler: async ({ params, body, principal }) => {
        requireRole(principal, 'operator');
        const now = svc.clock.now();
        const row = await db()
          .transaction()
          .execute(async (tx) => {
            const a = await getAlert(tx, principal.workspaceId, params.id);
            if (!a) throw notFound('alert', params.id);
            await raciForAlert(tx, a, principal.memberId);
            if (a.status === 'resolved') return a;
            return resolveAlertRow(svc, tx, a, principal.actor, body.note ?? null, now);
          });
        return { body: toAlert(row) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/events',
      tag: 'alerts',
      summary: "An agent's flip history: every state and health change and the alerts it set off, newest first",
      access: 'authenticated',
      roles: 'viewer and up; an agent key for itself',
      params: z.object({ id: Id }),
      query: ListQuery,
      responses: { 200: { description: 'a page of events', schema: page(AgentEvent) } },
      handler: async ({ params, query, principal }) => {
        requireSelfOr(principal, params.id, 'viewer');
        await loadAgent(svc, principal.workspaceId, params.id);
        const rows = await listAgentEvents(db(), principal.workspaceId, params.id, { before: decodeNumberCursor(query.cursor), limit: query.limit });
        return { body: pageOf(rows, query.limit, (r) => r.seq, toAgentEvent) };
      },
    }),
  ];
}
