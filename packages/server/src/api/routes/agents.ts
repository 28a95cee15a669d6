import { z } from 'zod';
import { isClosed } from '../../domain/lifecycle.js';
import { Agent, AgentListQuery, CreateAgent, FireRequest, Id, Transition, TransitionRequest, UpdateAgent, page } from '@aetherboard/contracts';
import { fireAgent, loadAgent, registerAgent, transitionAgent, updateAgentMeta } from '../../service/agents.js';
import { announceRaci, authorizeRaci } from '../../service/governance.js';
import type { RaciActivity } from '@aetherboard/contracts';
import { listAgents, listTransitions, toAgent, toTransition } from '../../store/agents.js';
import { decodeNumberCursor, decodeStringCursor, pageOf } from '../../store/codec.js';
import { requireRole, requireSelfOr } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

const AgentParams = z.object({ id: Id });
const TransitionList = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(512).optional(),
  order: z.enum(['asc', 'desc']).default('asc'),
});

export function agentRoutes(d: RouteDeps): AnyRoute[] {
  const { svc } = d;
  return [
    defineRoute({
      method: 'POST',
      url: '/api/agents',
      tag: 'agents',
      summary: 'Register an agent (state registered)',
      access: 'authenticated',
      roles: 'operator and up',
      body: CreateAgent,
      responses: { 201: { description: 'registered', schema: Agent } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'operator');
        const ws = principal.workspaceId;
        const like = { agent_id: body.agent_id ?? null, owner_id: body.owner_id, secondary_owner_id: body.secondary_owner_id ?? null, pod_id: body.pod_id ?? null, team_id: body.team_id };
        await authorizeRaci(svc.database.db, ws, principal.memberId, 'agent_creation', like);
        const row = await registerAgent(svc, ws, body, principal.actor);
        await announceRaci(svc.database.db, ws, 'agent_creation', row, principal.actor, `registered ${row.agent_id}`, svc.clock.now());
        return { status: 201, body: toAgent(row) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents',
      tag: 'agents',
      summary: 'List agents, filtered by state, health, team, pod, tier or owner',
      access: 'authenticated',
      roles: 'viewer and up',
      query: AgentListQuery,
      responses: { 200: { description: 'a page of agents', schema: page(Agent) } },
      handler: async ({ query, principal }) => {
        requireRole(principal, 'viewer');
        const { cursor, ...filters } = query;
        const rows = await listAgents(svc.database.db, principal.workspaceId, { ...filters, after: decodeStringCursor(cursor) });
        return { body: pageOf(rows, query.limit, (r) => r.agent_id, toAgent) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id',
      tag: 'agents',
      summary: 'One agent with its health, fire history and metrics',
      access: 'authenticated',
      roles: 'viewer and up; an agent key for itself',
      params: AgentParams,
      responses: { 200: { description: 'the agent', schema: Agent } },
      handler: async ({ params, principal }) => {
        requireSelfOr(principal, params.id, 'viewer');
        return { body: toAgent(await loadAgent(svc, principal.workspaceId, params.id)) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/agents/:id',
      tag: 'agents',
      summary: 'Edit roster metadata (not state: use transitions)',
      access: 'authenticated',
      roles: 'operator and up',
      params: AgentParams,
      body: UpdateAgent,
      responses: { 200: { description: 'the agent', schema: Agent } },
      handler: async ({ params, body, principal }) => {
        requireRole(principal, 'operator');
        const ws = principal.workspaceId;
        const cur = await loadAgent(svc, ws, params.id);
        const activities = new Set<RaciActivity>();
        for (const k of Object.keys(body)) {
          activities.add(k === 'cost_budget_daily' ? 'budget_control' : k === 'capability_tags' ? 'capability_assignment' : 'lifecycle_transitions');
        }
        for (const a of activities) await authorizeRaci(svc.database.db, ws, principal.memberId, a, cur);
        const row = await updateAgentMeta(svc, ws, params.id, body);
        for (const a of activities) await announceRaci(svc.database.db, ws, a, row, principal.actor, `changed ${Object.keys(body).join(', ')}`, svc.clock.now());
        return { body: toAgent(row) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/agents/:id/transitions',
      tag: 'lifecycle',
      summary: 'Move an agent to another lifecycle state (legal moves only)',
      access: 'authenticated',
      roles: 'operator and up',
      params: AgentParams,
      body: TransitionRequest,
      responses: { 200: { description: 'the agent after the move', schema: Agent } },
      handler: async ({ params, body, principal }) => {
        requireRole(principal, 'operator');
        const ws = principal.workspaceId;
        const activity: RaciActivity = isClosed(body.to) ? 'retirement' : 'lifecycle_transitions';
        await authorizeRaci(svc.database.db, ws, principal.memberId, activity, await loadAgent(svc, ws, params.id));
        const row = await transitionAgent(svc, ws, params.id, body.to, body.reason, principal.actor);
        await announceRaci(svc.database.db, ws, activity, row, principal.actor, `moved to ${body.to}: ${body.reason}`, svc.clock.now());
        return { body: toAgent(row) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/transitions',
      tag: 'lifecycle',
      summary: 'The audit trail of every state change: who, what, when, why',
      access: 'authenticated',
      roles: 'viewer and up; an agent key for itself',
      params: AgentParams,
      query: TransitionList,
      responses: { 200: { description: 'a page of transitions', schema: page(Transition) } },
      handler: async ({ params, query, principal }) => {
        requireSelfOr(principal, params.id, 'viewer');
        await loadAgent(svc, principal.workspaceId, params.id);
        const rows = await listTransitions(svc.database.db, principal.workspaceId, params.id, {
          before: decodeNumberCursor(query.cursor),
          limit: query.limit,
          order: query.order,
        });
        return { body: pageOf(rows, query.limit, (r) => r.seq, toTransition) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/agents/:id/fire',
      tag: 'lifecycle',
      summary: 'Fire an agent with a reason: retire it, hand off its work, record why',
      access: 'authenticated',
      roles: 'operator and up',
      params: AgentParams,
      body: FireRequest,
      responses: { 200: { description: 'the retired agent', schema: Agent } },
      handler: async ({ params, body, principal }) => {
        requireRole(principal, 'operator');
        const ws = principal.workspaceId;
        await authorizeRaci(svc.database.db, ws, principal.memberId, 'retirement', await loadAgent(svc, ws, params.id));
        const row = await fireAgent(svc, ws, params.id, body.reason, body.context, principal.actor);
        await announceRaci(svc.database.db, ws, 'retirement', row, principal.actor, `fired: ${body.reason}`, svc.clock.now());
        return { body: toAgent(row) };
      },
    }),
  ];
}
