import type { RaciActivity, RaciLetter, RaciMatrix, RaciRole } from '@aetherboard/contracts';

/** Who stands where around one agent. */
export interface AgentRelations {
  agentId: string | null;
  managerId: string | null;
  podLeadId: string | null;
  ownerId: string | null;
  secondaryOwnerId: string | null;
  /** Members that are QA/reviewer agents (roster role "qa" or "reviewer"). */
  reviewerIds: readonly string[];
}

export function rolesOf(memberId: string, rel: AgentRelations): RaciRole[] {
  const roles: RaciRole[] = [];
  if (memberId === rel.managerId) roles.push('workforce_manager');
  if (memberId === rel.podLeadId) roles.push('pod_lead');
  if (memberId === rel.ownerId || memberId === rel.secondaryOwnerId) roles.push('agent_owner');
  if (memberId === rel.agentId) roles.push('specialist_agent');
  if (rel.reviewerIds.includes(memberId)) roles.push('qa_reviewer_agent');
  return roles;
}

export interface RaciVerdict {
  allowed: boolean;
  roles: RaciRole[];
  letters: RaciLetter[];
  rule: string;
}

/** Only the Responsible and Accountable parties may act; Consulted and Informed are told. */
export function decideRaci(matrix: RaciMatrix, activity: RaciActivity, memberId: string, rel: AgentRelations): RaciVerdict {
  const roles = rolesOf(memberId, rel);
  const letters = roles.map((r) => matrix[activity][r]);
  const allowed = letters.some((l) => l === 'R' || l === 'A');
  const who = roles.length > 0 ? roles.map((r, i) => `${r}=${letters[i]}`).join(', ') : 'no role for this agent';
  return { allowed, roles, letters, rule: `RACI ${activity}: only R or A may act (member '${memberId}': ${who})` };
}

/** Members holding the given letters for an activity, e.g. the Consulted and Informed to notify. */
export function partiesWith(matrix: RaciMatrix, activity: RaciActivity, wanted: readonly RaciLetter[], rel: AgentRelations): string[] {
  const out = new Set<string>();
  const add = (role: RaciRole, ids: Array<string | null>) => {
    if (!wanted.includes(matrix[activity][role])) return;
    for (const id of ids) if (id) out.add(id);
  };
  add('workforce_manager', [rel.managerId]);
  add('pod_lead', [rel.podLeadId]);
  add('agent_owner', [rel.ownerId, rel.secondaryOwnerId]);
  add('specialist_agent', [rel.agentId]);
  add('qa_reviewer_agent', [...rel.reviewerIds]);
  return [...out];
}
