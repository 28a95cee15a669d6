import { z } from 'zod';
import {
  AgentSkill,
  AttachEvidence,
  Assignment,
  Budget,
  BudgetScope,
  CreateSkill,
  EscalationPath,
  GovernanceSettings,
  GovernanceSettingsPatch,
  GrantSkill,
  HygieneReport,
  Id,
  ListQuery,
  MultiSkillAgent,
  PutBudget,
  RaciMatrix,
  Skill,
  page,
} from '@aetherboard/contracts';
import { dayStart } from '../../domain/budgets.js';
import { DomainError, notFound } from '../../domain/errors.js';
import { loadAgent } from '../../service/agents.js';
import { announceRaci, authorizeRaci, escalationPath, governanceOf, saveGovernance, saveRaci } from '../../service/governance.js';
import { hygieneAlerts, hygieneReport } from '../../service/hygiene.js';
import { scopeSpendSince } from '../../service/budgets.js';
import { agentSkills, createSkill, getSkillRow, holdersOf, multiSkillAgents, setAgentSkill, toAgentSkill, toSkill } from '../../service/skills.js';
import { attachEvidence } from '../../service/work.js';
import { decodeStringCursor, pageOf } from '../../store/codec.js';
import { getPod } from '../../store/org.js';
import { toAssignment } from '../../store/work.js';
import { requireRole, requireSelfOr } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

export function governanceRoutes(d: RouteDeps): AnyRoute[] {
  const { svc } = d;
  const db = () => svc.database.db;
  return [
    defineRoute({
      method: 'GET',
      url: '/api/raci',
      tag: 'governance',
      summary: "The workspace's RACI matrix (seed 000 §3 by default)",
      access: 'authenticated',
      roles: 'viewer and up',
      responses: { 200: { description: 'the matrix', schema: RaciMatrix } },
      handler: async ({ principal }) => {
        requireRole(principal, 'viewer');
        return { body: (await governanceOf(db(), principal.workspaceId)).raci };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/raci',
      tag: 'governance',
      summary: 'Replace the RACI matrix; enforced for API keys bound to a member',
      access: 'authenticated',
      roles: 'admin',
      body: RaciMatrix,
      responses: { 200: { description: 'the matrix', schema: RaciMatrix } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'admin');
        await saveRaci(db(), principal.workspaceId, body);
        return { body };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/settings/governance',
      tag: 'settings',
      summary: 'Governance thresholds: pod size, contract tiers, budget warning and hard stop, hygiene',
      access: 'authenticated',
      roles: 'viewer and up',
      responses: { 200: { description: 'settings', schema: GovernanceSettings } },
      handler: async ({ principal }) => {
        requireRole(principal, 'viewer');
        return { body: (await governanceOf(db(), principal.workspaceId)).settings };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/settings/governance',
      tag: 'settings',
      summary: 'Change governance thresholds; omitted fields keep their values',
      access: 'authenticated',
      roles: 'admin',
      body: GovernanceSettingsPatch,
      responses: { 200: { description: 'settings', schema: GovernanceSettings } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'admin');
        const cur = (await governanceOf(db(), principal.workspaceId)).settings;
        const min = body.pod_size_min ?? cur.pod_size_min;
        const max = body.pod_size_max ?? cur.pod_size_max;
        if (min > max) throw new DomainError('validation_failed', 'pod_size_min must not exceed pod_size_max', [{ path: 'body.pod_size_min', message: 'must be ≤ pod_size_max' }]);
        return { body: await saveGovernance(db(), principal.workspaceId, body) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/escalation-path',
      tag: 'governance',
      summary: "Who is paged, in order: owner and secondary owner, pod lead, then the workforce manager",
      access: 'authenticated',
      roles: 'viewer and up; an agent key for itself',
      params: z.object({ id: Id }),
      responses: { 200: { description: 'the path', schema: EscalationPath } },
      handler: async ({ params, principal }) => {
        requireSelfOr(principal, params.id, 'viewer');
        const a = await loadAgent(svc, principal.workspaceId, params.id);
        return { body: { agent_id: a.agent_id, path: await escalationPath(db(), principal.workspaceId, a) } };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/skills',
      tag: 'skills',
      summary: 'Register a skill: contracts, quality constraints, allowed tools, security profile, benchmarks, failure modes',
      access: 'authenticated',
      roles: 'admin',
      body: CreateSkill,
      responses: { 201: { description: 'created', schema: Skill } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'admin');
        return { status: 201, body: await createSkill(svc, principal.workspaceId, body) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/skills',
      tag: 'skills',
      summary: 'The skill registry, with how many agents hold each one validated',
      access: 'authenticated',
      roles: 'viewer and up',
      query: ListQuery,
      responses: { 200: { description: 'a page of skills', schema: page(Skill) } },
      handler: async ({ query, principal }) => {
        requireRole(principal, 'viewer');
        const ws = principal.workspaceId;
        const after = decodeStringCursor(query.cursor);
        let q = db().selectFrom('skills').selectAll().where('workspace_id', '=', ws);
        if (after !== undefined) q = q.where('skill_id', '>', after);
        const rows = await q.orderBy('skill_id').limit(query.limit + 1).execute();
        const holders = await holdersOf(db(), ws, rows.map((r) => r.skill_id), svc.clock.now());
        return { body: pageOf(rows, query.limit, (r) => r.skill_id, (r) => toSkill(r, holders.get(r.skill_id) ?? 0)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/skills/:id',
      tag: 'skills',
      summary: 'One skill',
      access: 'authenticated',
      roles: 'viewer and up',
      params: z.object({ id: Id }),
      responses: { 200: { description: 'the skill', schema: Skill } },
      handler: async ({ params, principal }) => {
        requireRole(principal, 'viewer');
        const r = await getSkillRow(db(), principal.workspaceId, params.id);
        if (!r) throw notFound('skill', params.id);
        return { body: toSkill(r, (await holdersOf(db(), principal.workspaceId, [r.skill_id], svc.clock.now())).get(r.skill_id) ?? 0) };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/agents/:id/skills/:skill_id',
      tag: 'skills',
      summary: 'Grant, validate, renew or revoke a skill held by an agent (validated skills expire on the skill\'s recertification schedule)',
      access: 'authenticated',
      roles: 'operator and up (RACI: capability assignment)',
      params: z.object({ id: Id, skill_id: Id }),
      body: GrantSkill,
      responses: { 200: { description: 'the holding', schema: AgentSkill } },
      handler: async ({ params, body, principal }) => {
        requireRole(principal, 'operator');
        const ws = principal.workspaceId;
        const a = await loadAgent(svc, ws, params.id);
        await authorizeRaci(db(), ws, principal.memberId, 'capability_assignment', a);
        const out = await setAgentSkill(svc, ws, params.id, params.skill_id, body);
        await announceRaci(db(), ws, 'capability_assignment', a, principal.actor, `skill ${params.skill_id} ${body.status}`, svc.clock.now());
        return { body: out };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/skills',
      tag: 'skills',
      summary: 'The skills an agent holds, and whether each is usable now',
      access: 'authenticated',
      roles: 'viewer and up; an agent key for itself',
      params: z.object({ id: Id }),
      responses: { 200: { description: 'holdings', schema: z.object({ items: z.array(AgentSkill) }) } },
      handler: async ({ params, principal }) => {
        requireSelfOr(principal, params.id, 'viewer');
        await loadAgent(svc, principal.workspaceId, params.id);
        const now = svc.clock.now();
        return { body: { items: (await agentSkills(db(), principal.workspaceId, params.id)).map((r) => toAgentSkill(r, now)) } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/multi-skill-agents',
      tag: 'skills',
      summary: 'Agents holding at least `min` usable skills (default 2)',
      access: 'authenticated',
      roles: 'viewer and up',
      query: z.object({ min: z.coerce.number().int().min(1).max(100).default(2), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      responses: { 200: { description: 'agents', schema: z.object({ items: z.array(MultiSkillAgent) }) } },
      handler: async ({ query, principal }) => {
        requireRole(principal, 'viewer');
        return { body: { items: await multiSkillAgents(db(), principal.workspaceId, query.min, svc.clock.now(), query.limit) } };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/assignments/:id/evidence',
      tag: 'assignments',
      summary: "Attach evidence to an assignment's contract; `done` is refused until every required item has some",
      access: 'authenticated',
      roles: 'operator and up; an agent key for its own',
      params: z.object({ id: Id }),
      body: AttachEvidence,
      responses: { 201: { description: 'the assignment', schema: Assignment } },
      handler: async ({ params, body, principal }) => {
        const row = await attachEvidence(svc, principal.workspaceId, params.id, body, principal.actor, (agentId) => requireSelfOr(principal, agentId, 'operator'));
        return { status: 201, body: toAssignment(row) };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/budgets/:scope/:scope_id',
      tag: 'budgets',
      summary: 'Set the daily cost quota of a pod or a team (agents have cost_budget_daily)',
      access: 'authenticated',
      roles: 'admin',
      params: z.object({ scope: BudgetScope, scope_id: Id }),
      body: PutBudget,
      responses: { 200: { description: 'the quota with today\'s spend', schema: Budget } },
      handler: async ({ params, body, principal }) => {
        requireRole(principal, 'admin');
        const ws = principal.workspaceId;
        if (params.scope === 'pod' && !(await getPod(db(), ws, params.scope_id))) throw notFound('pod', params.scope_id);
        const now = svc.clock.now();
        await db()
          .insertInto('budgets')
          .values({ workspace_id: ws, scope: params.scope, scope_id: params.scope_id, daily_usd: body.daily_usd, updated_at: now })
          .onConflict((oc) => oc.columns(['workspace_id', 'scope', 'scope_id']).doUpdateSet({ daily_usd: body.daily_usd, updated_at: now }))
          .execute();
        const all = await budgetsWithSpend(ws, now);
        return { body: all.find((b) => b.scope === params.scope && b.scope_id === params.scope_id)! };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/budgets',
      tag: 'budgets',
      summary: 'Pod and team quotas with what they spent today',
      access: 'authenticated',
      roles: 'viewer and up',
      responses: { 200: { description: 'quotas', schema: z.object({ items: z.array(Budget) }) } },
      handler: async ({ principal }) => {
        requireRole(principal, 'viewer');
        return { body: { items: await budgetsWithSpend(principal.workspaceId, svc.clock.now()) } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/hygiene/report',
      tag: 'governance',
      summary: 'The weekly hygiene routine on demand: what to archive, owners to revalidate, top blockers, stale and retired-but-assigned agents',
      access: 'authenticated',
      roles: 'viewer and up',
      responses: { 200: { description: 'the report', schema: HygieneReport } },
      handler: async ({ principal }) => {
        requireRole(principal, 'viewer');
        return { body: await hygieneReport(db(), principal.workspaceId, svc.clock.now()) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/hygiene/run',
      tag: 'governance',
      summary: 'Run the hygiene checks now: raise or clear ownerless_agent and lifecycle_hygiene alerts',
      access: 'authenticated',
      roles: 'operator and up',
      responses: { 200: { description: 'the report', schema: HygieneReport } },
      handler: async ({ principal }) => {
        requireRole(principal, 'operator');
        return { body: await hygieneAlerts(svc, principal.workspaceId, svc.clock.now()) };
      },
    }),
  ];

  async function budgetsWithSpend(ws: string, now: number) {
    const rows = await db().selectFrom('budgets').selectAll().where('workspace_id', '=', ws).orderBy('scope').orderBy('scope_id').execute();
    if (rows.length === 0) return [];
    const byScope = await scopeSpendSince(db(), ws, dayStart(now));
    return rows.map((r) => {
      const s = Math.round((byScope[r.scope as 'pod' | 'team'].get(r.scope_id) ?? 0) * 1e6) / 1e6;
      return { scope: r.scope as 'pod' | 'team', scope_id: r.scope_id, daily_usd: r.daily_usd, spent_today_usd: s, fraction: r.daily_usd > 0 ? s / r.daily_usd : 0 };
    });
  }
}
