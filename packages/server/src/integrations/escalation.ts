import { z } from 'zod';
import { isClosed } from '../domain/lifecycle.js';
import { Agent, Id, Reason, type AgentState } from '@aetherboard/contracts';
import { conflict } from '../domain/errors.js';
import { requireSelfOr } from '../api/principal.js';
import { defineRoute, type AnyRoute } from '../api/route.js';
import type { RouteDeps } from '../api/routes/deps.js';
import { loadAgent, transitionAgent } from '../service/agents.js';
import { announceRaci, authorizeRaci } from '../service/governance.js';
import type { HeartbeatIngest } from '../service/heartbeats.js';
import { toAgent, type AgentRow } from '../store/agents.js';
import { insertEvent } from '../store/events.js';

export const EscalateRequest = z.strictObject({ reason: Reason.describe('what the agent needs a person for') });

/** The legal path to `escalated` from each state that has one (contract §5). */
const PATH: Partial<Record<AgentState, AgentState[]>> = {
  executing: ['blocked', 'escalated'],
  blocked: ['escalated'],
  escalated: [],
};

/**
 * An agent asks for a person. Where the lifecycle allows it, the agent moves to `escalated`
 * (executing → blocked → escalated, or blocked → escalated), each move audited with the agent as
 * actor, which notifies subscribers of `agent.state_changed`; in any state the request is kept in
 * the flip history and reported as a `blocked` heartbeat whose summary is the reason.
 */
export async function escalateAgent(
  ctx: RouteDeps['svc'],
  ingest: HeartbeatIngest,
  ws: string,
  agentId: string,
  reason: string,
  actor: string,
): Promise<AgentRow> {
  const cur = await loadAgent(ctx, ws, agentId);
  const state = cur.current_state as AgentState;
  if (isClosed(state)) throw conflict(`agent '${agentId}' is ${state}; there is nothing to escalate`, { state });
  let row = cur;
  for (const to of PATH[state] ?? []) row = await transitionAgent(ctx, ws, agentId, to, `escalation requested: ${reason}`, actor);
  await insertEvent(ctx.database.db, {
    workspace_id: ws,
    agent_id: agentId,
    at: ctx.clock.now(),
    type: 'agent.escalation_requested',
    from_value: state,
    to_value: row.current_state,
    reason,
    payload: { actor },
    notify: false,
  });
  const [beat] = await ingest.submit([{ ws, agentId, body: { status: 'blocked', work_mode: 'escalated', summary: reason.slice(0, 140) } }]);
  if (beat && !beat.ok) throw beat.error;
  ctx.bus.emit({ workspace_id: ws, type: 'agent.escalation_requested', agent_id: agentId, data: { reason } });
  return loadAgent(ctx, ws, agentId);
}

export function escalationRoutes(d: RouteDeps, ingest: HeartbeatIngest): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/agents/:id/escalate',
      tag: 'lifecycle',
      summary: 'An agent asks for a person: moves it to escalated where the lifecycle allows, and records why',
      description:
        'From `executing` the agent moves to `blocked` then `escalated`; from `blocked` to `escalated`; an agent already escalated stays so. ' +
        'In every state the request is kept in the flip history (`agent.escalation_requested`) and reported as a heartbeat ' +
        '`{status: blocked, work_mode: escalated, summary: reason}`, so the blocked-time limits and their alerts apply. ' +
        'Retired and archived agents answer 409.',
      access: 'authenticated',
      roles: 'operator and up (RACI lifecycle_transitions for member keys); an agent key for itself',
      params: z.object({ id: Id }),
      body: EscalateRequest,
      bodyLimit: 16 * 1024,
      responses: { 200: { description: 'the agent after the request', schema: Agent } },
      handler: async ({ params, body, principal }) => {
        requireSelfOr(principal, params.id, 'operator');
        const ws = principal.workspaceId;
        // Asking for a person is every agent's own right. Anyone else escalating an agent moves
        // its lifecycle for it, so RACI governs them as it does POST /transitions.
        const onBehalf = principal.agentId !== params.id && principal.memberId !== params.id;
        if (onBehalf) await authorizeRaci(d.svc.database.db, ws, principal.memberId, 'lifecycle_transitions', await loadAgent(d.svc, ws, params.id));
        const row = await escalateAgent(d.svc, ingest, ws, params.id, body.reason, principal.actor);
        if (onBehalf) await announceRaci(d.svc.database.db, ws, 'lifecycle_transitions', row, principal.actor, `escalated: ${body.reason}`, d.svc.clock.now());
        return { body: toAgent(row) };
      },
    }),
  ];
}
