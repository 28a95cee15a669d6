import { z } from 'zod';
import { AgentInvocationMetrics, GroupAnalytics, GroupAnalyticsQuery, Id, MetricsQuery, TopAgents, TopAgentsQuery } from '@aetherboard/contracts';
import { agentMetrics, groupAnalytics, topAgents } from '../../service/analytics.js';
import { requireRole, requireSelfOr } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

const FORMULA =
  'efficiency_score = success_rate / (max(avg_execution_time_ms, 1) / 1000), i.e. the success rate per second of average execution time ' +
  '(seed 004: success_rate / avg_execution_time); 0 when nothing completed. Abandoned invocations count as failures. ' +
  'Invocations are attributed to the window they started in.';

export function analyticsRoutes(d: RouteDeps): AnyRoute[] {
  const { svc } = d;
  return [
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/metrics',
      tag: 'analytics',
      summary: "An agent's invocation metrics for the trailing hour, day or week, with a calendar series",
      description: FORMULA,
      access: 'authenticated',
      roles: 'viewer and up; an agent key for itself',
      params: z.object({ id: Id }),
      query: MetricsQuery,
      responses: { 200: { description: 'the metrics', schema: AgentInvocationMetrics } },
      handler: async ({ params, query, principal }) => {
        requireSelfOr(principal, params.id, 'viewer');
        return { body: await agentMetrics(svc, principal.workspaceId, params.id, query.period, query.buckets) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/analytics/agents/top',
      tag: 'analytics',
      summary: 'Top performing agents by efficiency score, optionally within a team or pod',
      description: `${FORMULA} Ties go to the higher success rate, then to more completed invocations.`,
      access: 'authenticated',
      roles: 'viewer and up',
      query: TopAgentsQuery,
      responses: { 200: { description: 'the ranking', schema: TopAgents } },
      handler: async ({ query, principal }) => {
        requireRole(principal, 'viewer');
        return { body: await topAgents(svc, principal.workspaceId, query) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/analytics/teams/:team_id',
      tag: 'analytics',
      summary: "A team's invocation metrics, series, top agents, throughput trend and cost burn",
      description: `Covers the agents filed under the team now. ${FORMULA}`,
      access: 'authenticated',
      roles: 'viewer and up',
      params: z.object({ team_id: Id }),
      query: GroupAnalyticsQuery,
      responses: { 200: { description: 'the team analytics', schema: GroupAnalytics } },
      handler: async ({ params, query, principal }) => {
        requireRole(principal, 'viewer');
        return { body: await groupAnalytics(svc, principal.workspaceId, { kind: 'team', team_id: params.team_id }, query) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/analytics/pods/:pod_id',
      tag: 'analytics',
      summary: "A pod's invocation metrics, series, top agents, throughput trend and cost burn",
      description: `Covers the agents in the pod now. ${FORMULA}`,
      access: 'authenticated',
      roles: 'viewer and up',
      params: z.object({ pod_id: Id }),
      query: GroupAnalyticsQuery,
      responses: { 200: { description: 'the pod analytics', schema: GroupAnalytics } },
      handler: async ({ params, query, principal }) => {
        requireRole(principal, 'viewer');
        return { body: await groupAnalytics(svc, principal.workspaceId, { kind: 'pod', pod_id: params.pod_id }, query) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/analytics/workspace',
      tag: 'analytics',
      summary: 'The whole workspace: invocation metrics, series, top agents, throughput trend and cost burn',
      description: FORMULA,
      access: 'authenticated',
      roles: 'viewer and up',
      query: GroupAnalyticsQuery,
      responses: { 200: { description: 'the workspace analytics', schema: GroupAnalytics } },
      handler: async ({ query, principal }) => {
        requireRole(principal, 'viewer');
        return { body: await groupAnalytics(svc, principal.workspaceId, { kind: 'workspace' }, query) };
      },
    }),
  ];
}
