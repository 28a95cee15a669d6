import { z } from 'zod';
import { Assignment, AssignmentListQuery, CreateAssignment, CreateSession, Id, ReassignRequest, Reassignment, Session, UpdateAssignment, UpdateSession, page } from '@aetherboard/contracts';
import { notFound, unknownReference } from '../../domain/errors.js';
import { getAgent } from '../../store/agents.js';
import { announceRaci, authorizeRaci } from '../../service/governance.js';
import { loadAgent } from '../../service/agents.js';
import { changeAssignment, changeSession, createAssignment, openSession, reassignAssignment } from '../../service/work.js';
import { decodeStringCursor, pageOf } from '../../store/codec.js';
import { getAssignment, getSession, listAssignments, listSessions, toAssignment, toSession } from '../../store/work.js';
import { requireRole, requireSelfOr } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

const SessionList = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(512).optional(),
  active: z.enum(['true', 'false']).optional(),
});

export function workRoutes(d: RouteDeps): AnyRoute[] {
  const { svc } = d;
  const db = () => svc.database.db;
  return [
    defineRoute({
      method: 'POST',
      url: '/api/assignments',
      tag: 'assignments',
      summary: 'Assign work to an agent, optionally with a task contract',
      access: 'authenticated',
      roles: 'operator and up',
      body: CreateAssignment,
      responses: { 201: { description: 'created', schema: Assignment } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'operator');
        const ws = principal.workspaceId;
        const agent = await getAgent(db(), ws, body.agent_id);
        if (!agent) throw unknownReference('agent_id', body.agent_id, 'agent');
        await authorizeRaci(db(), ws, principal.memberId, 'task_assignment', agent);
        const row = await createAssignment(svc, ws, body);
        await announceRaci(db(), ws, 'task_assignment', agent, principal.actor, `assigned ${row.assignment_id} (${row.workstream_id})`, svc.clock.now());
        return { status: 201, body: toAssignment(row) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/assignments',
      tag: 'assignments',
      summary: 'List assignments by agent, workstream or status (an agent key sees its own)',
      access: 'authenticated',
      roles: 'viewer and up; an agent key for itself',
      query: AssignmentListQuery,
      responses: { 200: { description: 'a page of assignments', schema: page(Assignment) } },
      handler: async ({ query, principal }) => {
        const { cursor, ...filters } = query;
        if (principal.role === 'agent') filters.agent_id = principal.agentId ?? '';
        else requireRole(principal, 'viewer');
        const rows = await listAssignments(db(), principal.workspaceId, { ...filters, after: decodeStringCursor(cursor) });
        return { body: pageOf(rows, query.limit, (r) => r.assignment_id, toAssignment) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/assignments/:id',
      tag: 'assignments',
      summary: 'One assignment with its contract',
      access: 'authenticated',
      roles: 'viewer and up; an agent key for its own',
      params: z.object({ id: Id }),
      responses: { 200: { description: 'the assignment', schema: Assignment } },
      handler: async ({ params, principal }) => {
        const row = await getAssignment(db(), principal.workspaceId, params.id);
        if (!row) throw notFound('assignment', params.id);
        requireSelfOr(principal, row.agent_id, 'viewer');
        return { body: toAssignment(row) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/assignments/:id/reassign',
      tag: 'assignments',
      summary: 'Hand open work to another agent: the original ends as handoff, the same work starts with the new agent, in one step',
      description:
        'The new assignment keeps the workstream, task, role, contract, required skills, pod, DRI, start and due times, and is checked like any new work ' +
        '(agent open, contract where the tier needs one, skills validated). Only `active` or `blocked` work can be reassigned (409 otherwise). ' +
        'Member keys need RACI task_assignment rights over both agents.',
      access: 'authenticated',
      roles: 'operator and up',
      params: z.object({ id: Id }),
      body: ReassignRequest,
      responses: { 201: { description: 'the handed-off assignment and the new one', schema: Reassignment } },
      handler: async ({ params, body, principal }) => {
        requireRole(principal, 'operator');
        const ws = principal.workspaceId;
        const cur = await getAssignment(db(), ws, params.id);
        if (!cur) throw notFound('assignment', params.id);
        const target = await getAgent(db(), ws, body.agent_id);
        if (!target) throw unknownReference('agent_id', body.agent_id, 'agent');
        const from = await getAgent(db(), ws, cur.agent_id);
        if (from) await authorizeRaci(db(), ws, principal.memberId, 'task_assignment', from);
        await authorizeRaci(db(), ws, principal.memberId, 'task_assignment', target);
        const r = await reassignAssignment(svc, ws, params.id, body.agent_id);
        const why = body.reason ? `: ${body.reason}` : '';
        await announceRaci(db(), ws, 'task_assignment', target, principal.actor, `reassigned ${params.id} from ${cur.agent_id} as ${r.to.assignment_id}${why}`, svc.clock.now());
        return { status: 201, body: { handed_off: toAssignment(r.from), assignment: toAssignment(r.to) } };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/assignments/:id',
      tag: 'assignments',
      summary: 'Report progress: status, blocker code, percent complete',
      access: 'authenticated',
      roles: 'operator and up; an agent key for its own',
      params: z.object({ id: Id }),
      body: UpdateAssignment,
      responses: { 200: { description: 'the assignment', schema: Assignment } },
      handler: async ({ params, body, principal }) => {
        const ws = principal.workspaceId;
        const cur = await getAssignment(db(), ws, params.id);
        if (!cur) throw notFound('assignment', params.id);
        requireSelfOr(principal, cur.agent_id, 'operator');
        const agent = await getAgent(db(), ws, cur.agent_id);
        const activity = body.status === 'done' ? 'quality_gate' : 'daily_execution';
        if (agent) await authorizeRaci(db(), ws, principal.memberId, activity, agent);
        const row = await changeAssignment(svc, ws, params.id, body, (agentId) => requireSelfOr(principal, agentId, 'operator'));
        return { body: toAssignment(row) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/agents/:id/sessions',
      tag: 'sessions',
      summary: 'Open a session for an agent',
      access: 'authenticated',
      roles: 'operator and up; an agent key for itself',
      params: z.object({ id: Id }),
      body: CreateSession,
      responses: { 201: { description: 'opened', schema: Session } },
      handler: async ({ params, body, principal }) => {
        requireSelfOr(principal, params.id, 'operator');
        return { status: 201, body: toSession(await openSession(svc, principal.workspaceId, params.id, body)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/sessions',
      tag: 'sessions',
      summary: "An agent's session history, newest first",
      access: 'authenticated',
      roles: 'viewer and up; an agent key for itself',
      params: z.object({ id: Id }),
      query: SessionList,
      responses: { 200: { description: 'a page of sessions', schema: page(Session) } },
      handler: async ({ params, query, principal }) => {
        requireSelfOr(principal, params.id, 'viewer');
        await loadAgent(svc, principal.workspaceId, params.id);
        const rows = await listSessions(db(), principal.workspaceId, params.id, {
          active: query.active === undefined ? undefined : query.active === 'true',
          after: decodeStringCursor(query.cursor),
          limit: query.limit,
        });
        return { body: pageOf(rows, query.limit, (r) => r.session_id, toSession) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/sessions/:id',
      tag: 'sessions',
      summary: 'One session',
      access: 'authenticated',
      roles: 'viewer and up; an agent key for its own',
      params: z.object({ id: Id }),
      responses: { 200: { description: 'the session', schema: Session } },
      handler: async ({ params, principal }) => {
        const row = await getSession(db(), principal.workspaceId, params.id);
        if (!row) throw notFound('session', params.id);
        requireSelfOr(principal, row.agent_id, 'viewer');
        return { body: toSession(row) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/sessions/:id',
      tag: 'sessions',
      summary: 'Update a session: message count, summary, end it (is_active: false)',
      access: 'authenticated',
      roles: 'operator and up; an agent key for its own',
      params: z.object({ id: Id }),
      body: UpdateSession,
      responses: { 200: { description: 'the session', schema: Session } },
      handler: async ({ params, body, principal }) => {
        const row = await changeSession(svc, principal.workspaceId, params.id, body, (agentId) => requireSelfOr(principal, agentId, 'operator'));
        return { body: toSession(row) };
      },
    }),
  ];
}
