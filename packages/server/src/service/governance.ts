import type { Kysely } from 'kysely';
import { DEFAULT_RACI, type GovernanceSettings, type RaciActivity, type RaciMatrix } from '@aetherboard/contracts';
import { forbidden } from '../domain/errors.js';
import { decideRaci, partiesWith, type AgentRelations } from '../domain/raci.js';
import { parseJson } from '../store/codec.js';
import { insertEvent } from '../store/events.js';
import { getMember, getPod } from '../store/org.js';
import type { DB } from '../store/tables.js';
import { getWorkspace, updateSettingsSection } from '../store/workspaces.js';

export const DEFAULT_GOVERNANCE: GovernanceSettings = {
  pod_size_min: 3,
  pod_size_max: 7,
  contract_required_tiers: ['P0', 'P1'],
  budget_warn_fraction: 0.9,
  budget_hard_stop: false,
  cost_anomaly_factor: 3,
  stale_paused_days: 7,
  inactive_days: 30,
  hygiene_interval_days: 7,
};

interface StoredSettings {
  governance?: Partial<GovernanceSettings>;
  raci?: RaciMatrix;
  [k: string]: unknown;
}

async function stored(db: Kysely<DB>, ws: string): Promise<StoredSettings> {
  return parseJson<StoredSettings>((await getWorkspace(db, ws))?.settings ?? null, {});
}

export async function governanceOf(db: Kysely<DB>, ws: string): Promise<{ settings: GovernanceSettings; raci: RaciMatrix }> {
  const s = await stored(db, ws);
  return { settings: { ...DEFAULT_GOVERNANCE, ...(s.governance ?? {}) }, raci: s.raci ?? DEFAULT_RACI };
}

export async function saveGovernance(db: Kysely<DB>, ws: string, patch: Partial<GovernanceSettings>): Promise<GovernanceSettings> {
  const governance = await updateSettingsSection<Partial<GovernanceSettings>>(db, ws, 'governance', (cur) => ({ ...(cur ?? {}), ...patch }));
  return { ...DEFAULT_GOVERNANCE, ...governance };
}

export async function saveRaci(db: Kysely<DB>, ws: string, raci: RaciMatrix): Promise<void> {
  await updateSettingsSection<RaciMatrix>(db, ws, 'raci', () => raci);
}

export interface AgentLike {
  agent_id: string | null;
  owner_id: string;
  secondary_owner_id: string | null;
  pod_id: string | null;
  team_id: string;
}

export async function relationsFor(db: Kysely<DB>, ws: string, a: AgentLike): Promise<AgentRelations> {
  const w = await getWorkspace(db, ws);
  const pod = a.pod_id ? await getPod(db, ws, a.pod_id) : undefined;
  const reviewers = await db
    .selectFrom('agents')
    .select('agent_id')
    .where('workspace_id', '=', ws)
    .where('team_id', '=', a.team_id)
    .where('role', 'in', ['qa', 'QA', 'reviewer', 'Reviewer'])
    .limit(100)
    .execute();
  return {
    agentId: a.agent_id,
    managerId: w?.manager_id ?? null,
    podLeadId: pod?.lead_id ?? null,
    ownerId: a.owner_id,
    secondaryOwnerId: a.secondary_owner_id,
    reviewerIds: reviewers.map((r) => r.agent_id),
  };
}

/**
 * RACI is enforced for keys bound to a member: only the Responsible or Accountable parties for
 * this agent may take the action, and the refusal names the rule. Keys bound to nobody are
 * governed by their role alone.
 */
export async function authorizeRaci(db: Kysely<DB>, ws: string, memberId: string | null, activity: RaciActivity, agent: AgentLike): Promise<void> {
  if (!memberId) return;
  const { raci } = await governanceOf(db, ws);
  const verdict = decideRaci(raci, activity, memberId, await relationsFor(db, ws, agent));
  if (!verdict.allowed) throw forbidden(verdict.rule, { activity, member_id: memberId, roles: verdict.roles, letters: verdict.letters });
}

/** Tells the Consulted and Informed parties what happened, through the outbox (webhooks). */
export async function announceRaci(db: Kysely<DB>, ws: string, activity: RaciActivity, agent: AgentLike, actor: string, what: string, now: number): Promise<void> {
  const { raci } = await governanceOf(db, ws);
  const rel = await relationsFor(db, ws, agent);
  const consulted = partiesWith(raci, activity, ['C'], rel);
  const informed = partiesWith(raci, activity, ['I'], rel);
  if (consulted.length === 0 && informed.length === 0) return;
  await insertEvent(db, {
    workspace_id: ws,
    agent_id: agent.agent_id,
    at: now,
    type: 'raci.activity',
    to_value: activity,
    reason: what,
    payload: { activity, actor, consulted, informed },
  });
}

export interface PathStep {
  level: number;
  member_id: string;
  name: string | null;
  role: string;
}

/** Agent → owner (and secondary owner) → pod lead → workforce manager, as contract §3 says. */
export async function escalationPath(db: Kysely<DB>, ws: string, a: AgentLike): Promise<PathStep[]> {
  const rel = await relationsFor(db, ws, a);
  const steps: Array<Omit<PathStep, 'name'>> = [];
  const add = (member_id: string | null, level: number, role: string) => {
    if (member_id && !steps.some((s) => s.member_id === member_id)) steps.push({ level, member_id, role });
  };
  add(rel.ownerId, 0, 'owner');
  add(rel.secondaryOwnerId, 0, 'secondary_owner');
  add(rel.podLeadId, 0, 'pod_lead');
  add(rel.managerId, 1, 'workforce_manager');
  const out: PathStep[] = [];
  for (const s of steps) out.push({ ...s, name: (await getMember(db, ws, s.member_id))?.name ?? null });
  return out;
}
