import { z } from 'zod';
import { BatchHeartbeats, BatchResult, Heartbeat, HeartbeatAccepted, HeartbeatBody, Id } from '@aetherboard/contracts';
import { loadAgent } from '../../service/agents.js';
import { assertBeatAccepted, type BeatInput, type HeartbeatIngest } from '../../service/heartbeats.js';
import { decodeNumberCursor, iso, pageOf } from '../../store/codec.js';
import { listHeartbeats, toHeartbeat } from '../../store/heartbeats.js';
import { zodDetails } from '../errors.js';
import { isPlainHeartbeatBody, parseBatchItem } from '../fast-beat.js';
import { requireSelfOr } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

const HeartbeatList = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(20),
  cursor: z.string().max(512).optional(),
});

export function heartbeatRoutes(d: RouteDeps, ingest: HeartbeatIngest): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/agents/:id/heartbeat',
      tag: 'heartbeats',
      summary: 'Report liveness; 202 means the beat is durably stored',
      access: 'authenticated',
      roles: 'operator and up; an agent key for itself',
      params: z.object({ id: Id }),
      body: HeartbeatBody,
      fastBody: isPlainHeartbeatBody,
      bodyLimit: 16 * 1024,
      selfDurable: true,
      responses: { 202: { description: 'stored', schema: HeartbeatAccepted } },
      handler: async ({ params, body, principal }) => {
        requireSelfOr(principal, params.id, 'operator');
        const [r] = await ingest.submit([{ ws: principal.workspaceId, agentId: params.id, body }]);
        return { status: 202, body: { accepted: true, received_at: iso(assertBeatAccepted(r)) } };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/heartbeats',
      tag: 'heartbeats',
      summary: 'Report liveness for up to 10,000 agents at once; bad items are rejected one by one',
      access: 'authenticated',
      roles: 'operator and up; an agent key for itself only',
      body: BatchHeartbeats,
      bodyLimit: 8 * 1024 * 1024,
      selfDurable: true,
      responses: { 202: { description: 'stored: how many were accepted, and why the others were not', schema: BatchResult } },
      handler: async ({ body, principal }) => {
        const rejected: BatchResult['rejected'] = [];
        const items: BeatInput[] = [];
        const index: number[] = [];
        const all = body.heartbeats;
        for (let i = 0; i < all.length; i++) {
          const raw = all[i];
          const r = parseBatchItem(raw);
          if (!r.success) {
            const det = zodDetails(r.error, `heartbeats.${i}`)[0];
            rejected.push({ index: i, error: { code: 'validation_failed', message: det ? `${det.path}: ${det.message}` : 'invalid heartbeat' } });
            continue;
          }
          const item = r.data;
          const agentId = item.agent_id;
          if (principal.role === 'agent' ? principal.agentId !== agentId : principal.role === 'viewer') {
            rejected.push({ index: i, error: { code: 'forbidden', message: `this key may not report for agent '${agentId}'` } });
            continue;
          }
          // The item is the body as it is: its agent_id is simply not a beat field.
          items.push({ ws: principal.workspaceId, agentId, body: item });
          index.push(i);
        }
        const results = items.length > 0 ? await ingest.submit(items) : [];
        for (let k = 0; k < results.length; k++) {
          const r = results[k]!;
          if (!r.ok) rejected.push({ index: index[k]!, error: { code: r.error.code, message: r.error.message } });
        }
        rejected.sort((a, b) => a.index - b.index);
        return { status: 202, body: { accepted: body.heartbeats.length - rejected.length, rejected } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/heartbeats',
      tag: 'heartbeats',
      summary: "An agent's recent heartbeats, newest first",
      access: 'authenticated',
      roles: 'viewer and up; an agent key for itself',
      params: z.object({ id: Id }),
      query: HeartbeatList,
      responses: { 200: { description: 'a page of heartbeats', schema: z.object({ items: z.array(Heartbeat), next_cursor: z.string().nullable() }) } },
      handler: async ({ params, query, principal }) => {
        requireSelfOr(principal, params.id, 'viewer');
        await loadAgent(d.svc, principal.workspaceId, params.id);
        const rows = await listHeartbeats(d.svc.database, principal.workspaceId, params.id, { before: decodeNumberCursor(query.cursor), limit: query.limit });
        return { body: pageOf(rows, query.limit, (r) => r.seq, toHeartbeat) };
      },
    }),
  ];
}

