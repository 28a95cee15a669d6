import { z } from 'zod';
import {
  BatchInvocations,
  CompleteInvocation,
  Id,
  Invocation,
  InvocationBatchResult,
  InvocationListQuery,
  InvocationStarted,
  StartInvocation,
  page,
} from '@aetherboard/contracts';
import { DomainError, notFound } from '../../domain/errors.js';
import { completeInvocation, recordBatch, startInvocation } from '../../service/invocations.js';
import { decodeStringCursor, iso, msOrNull, pageOf } from '../../store/codec.js';
import { getInvocation, listInvocations, toInvocation } from '../../store/invocations.js';
import { requireRole, requireSelfOr } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

/** 5,000 finished invocations with modest descriptions fit comfortably; the SDK splits by size too. */
export const INVOCATION_BATCH_BODY_LIMIT = 16 * 1024 * 1024;

/** A page cursor names the last row's start time and id, the order the list is sorted in. */
function decodeListCursor(cursor: string | undefined): { t: number; id: string } | undefined {
  const raw = decodeStringCursor(cursor);
  if (raw === undefined) return undefined;
  const at = raw.indexOf(':');
  const t = Number(raw.slice(0, at));
  const id = raw.slice(at + 1);
  if (at <= 0 || !Number.isSafeInteger(t) || !Id.safeParse(id).success) {
    throw new DomainError('validation_failed', 'cursor is not one this server issued', [{ path: 'cursor', message: 'invalid cursor' }]);
  }
  return { t, id };
}

export function invocationRoutes(d: RouteDeps): AnyRoute[] {
  const { svc } = d;
  const db = () => svc.database.db;
  return [
    defineRoute({
      method: 'POST',
      url: '/api/invocations',
      tag: 'invocations',
      summary: 'Start tracking an invocation; complexity is estimated from the task when not given',
      description:
        'Answers 201 with the new invocation id. Repeating a start with the same client-chosen `invocation_id` and agent answers 200 with the first one, so a retried start is harmless.',
      access: 'authenticated',
      roles: 'operator and up; an agent key for itself',
      body: StartInvocation,
      responses: {
        201: { description: 'started', schema: InvocationStarted },
        200: { description: 'already started with this invocation_id (a retry)', schema: InvocationStarted },
      },
      handler: async ({ body, principal }) => {
        requireSelfOr(principal, body.agent_id, 'operator');
        const { row, replay } = await startInvocation(svc, principal.workspaceId, body);
        return {
          status: replay ? 200 : 201,
          body: {
            invocation_id: row.invocation_id,
            agent_id: row.agent_id,
            complexity_score: Number(row.complexity_score),
            complexity_source: row.complexity_source as 'client' | 'estimated',
            started_at: iso(Number(row.started_at)),
          },
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/invocations/:id/complete',
      tag: 'invocations',
      summary: 'Complete an invocation with its outcome and performance record',
      description:
        'Updates the agent `metrics` counters in the same transaction. Completing an invocation that was closed as abandoned replaces the abandonment; completing one twice answers 409.',
      access: 'authenticated',
      roles: 'operator and up; an agent key for its own',
      params: z.object({ id: Id }),
      body: CompleteInvocation,
      responses: { 200: { description: 'the completed invocation', schema: Invocation } },
      handler: async ({ params, body, principal }) => {
        const row = await completeInvocation(svc, principal.workspaceId, params.id, body, (agentId) => requireSelfOr(principal, agentId, 'operator'));
        return { body: toInvocation(row) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/invocations/batch',
      tag: 'invocations',
      summary: 'Record up to 5,000 finished invocations at once',
      description:
        'Each item is validated on its own; bad ones are listed in `rejected` by index while the rest are stored. ' +
        'The `invocation_id` of an item is its idempotency key: an id already stored as finished counts as a duplicate and changes nothing, ' +
        'so resending a batch whose answer was lost never counts twice. An id stored open completes that invocation. ' +
        'An agent key may send only its own invocations: an item naming another agent refuses the whole request with 403.',
      access: 'authenticated',
      roles: 'operator and up; an agent key for itself',
      body: BatchInvocations,
      bodyLimit: INVOCATION_BATCH_BODY_LIMIT,
      responses: { 202: { description: 'stored (see rejected)', schema: InvocationBatchResult } },
      handler: async ({ body, principal }) => {
        if (principal.role === 'agent') {
          for (const item of body.invocations) {
            const agentId = (item as { agent_id?: unknown } | null)?.agent_id;
            if (typeof agentId === 'string') requireSelfOr(principal, agentId, 'operator');
          }
        } else requireRole(principal, 'operator');
        return { status: 202, body: await recordBatch(svc, principal.workspaceId, body.invocations) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/invocations',
      tag: 'invocations',
      summary: 'List invocations, newest first, by agent, outcome, assignment or start time',
      access: 'authenticated',
      roles: 'viewer and up; an agent key sees its own',
      query: InvocationListQuery,
      responses: { 200: { description: 'a page of invocations', schema: page(Invocation) } },
      handler: async ({ query, principal }) => {
        let agentId = query.agent_id;
        if (principal.role === 'agent') {
          if (agentId !== undefined) requireSelfOr(principal, agentId, 'viewer');
          agentId = principal.agentId ?? '';
        } else requireRole(principal, 'viewer');
        const rows = await listInvocations(db(), principal.workspaceId, {
          agent_id: agentId,
          outcome: query.outcome,
          assignment_id: query.assignment_id,
          since: msOrNull(query.since) ?? undefined,
          until: msOrNull(query.until) ?? undefined,
          before: decodeListCursor(query.cursor),
          limit: query.limit,
        });
        return { body: pageOf(rows, query.limit, (r) => `${Number(r.started_at)}:${r.invocation_id}`, toInvocation) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/invocations/:id',
      tag: 'invocations',
      summary: 'One invocation with its performance record',
      access: 'authenticated',
      roles: 'viewer and up; an agent key for its own',
      params: z.object({ id: Id }),
      responses: { 200: { description: 'the invocation', schema: Invocation } },
      handler: async ({ params, principal }) => {
        const row = await getInvocation(db(), principal.workspaceId, params.id);
        if (!row) throw notFound('invocation', params.id);
        requireSelfOr(principal, row.agent_id, 'viewer');
        return { body: toInvocation(row) };
      },
    }),
  ];
}
