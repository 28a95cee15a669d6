import type { Kysely, Selectable } from 'kysely';
import type { AgentSkill, AgentState, CreateSkill, GrantSkill, Skill } from '@aetherboard/contracts';
import { assertWritable } from '../domain/lifecycle.js';
import { conflict, DomainError, notFound, unknownReference } from '../domain/errors.js';
import { getAgent } from '../store/agents.js';
import { iso, isoOrNull, msOrNull, parseJson } from '../store/codec.js';
import { getMember } from '../store/org.js';
import type { AgentSkillsTable, DB, SkillsTable } from '../store/tables.js';
import type { ServiceContext } from './context.js';
import { dedupKey } from '../domain/alerts.js';
import { openAlertByKey } from '../store/alerts.js';
import { resolveAlertRow } from './evaluate-agent.js';

const DAY = 86_400_000;

type SkillSpec = Omit<Skill, 'skill_id' | 'name' | 'version' | 'owner_id' | 'recertify_every_days' | 'holders' | 'created_at'>;

export function toSkill(r: Selectable<SkillsTable>, holders: number): Skill {
  const spec = parseJson<SkillSpec>(r.spec, {} as SkillSpec);
  return {
    skill_id: r.skill_id,
    name: r.name,
    version: r.version,
    owner_id: r.owner_id,
    description: spec.description ?? null,
    input_contract: spec.input_contract ?? {},
    output_contract: spec.output_contract ?? {},
    quality_constraints: spec.quality_constraints ?? [],
    allowed_tools: spec.allowed_tools ?? [],
    security_profile: spec.security_profile ?? 'medium',
    benchmarks: spec.benchmarks ?? [],
    failure_modes: spec.failure_modes ?? [],
    recertify_every_days: r.recertify_every_days,
    holders,
    created_at: iso(r.created_at),
  };
}

export const usable = (r: Pick<Selectable<AgentSkillsTable>, 'status' | 'expires_at'>, now: number): boolean =>
  r.status === 'validated' && (r.expires_at === null || r.expires_at > now);

export function toAgentSkill(r: Selectable<AgentSkillsTable>, now: number): AgentSkill {
  return {
    agent_id: r.agent_id,
    skill_id: r.skill_id,
    status: r.status as AgentSkill['status'],
    validated_at: isoOrNull(r.validated_at),
    expires_at: isoOrNull(r.expires_at),
    evidence: r.evidence,
    usable: usable(r, now),
  };
}

export async function createSkill(ctx: ServiceContext, ws: string, b: CreateSkill): Promise<Skill> {
  const db = ctx.database.db;
  const id = b.skill_id ?? ctx.ids.next();
  if (await getSkillRow(db, ws, id)) throw conflict(`skill '${id}' already exists`, { field: 'skill_id' });
  if (!(await getMember(db, ws, b.owner_id))) throw unknownReference('owner_id', b.owner_id, 'member or agent');
  const spec: SkillSpec = {
    description: b.description ?? null,
    input_contract: b.input_contract ?? {},
    output_contract: b.output_contract ?? {},
    quality_constraints: b.quality_constraints ?? [],
    allowed_tools: b.allowed_tools ?? [],
    security_profile: b.security_profile,
    benchmarks: b.benchmarks ?? [],
    failure_modes: b.failure_modes ?? [],
  };
  const row = { workspace_id: ws, skill_id: id, name: b.name, version: b.version, owner_id: b.owner_id, spec: JSON.stringify(spec), recertify_every_days: b.recertify_every_days, created_at: ctx.clock.now() };
  await db.insertInto('skills').values(row).execute();
  return toSkill(row, 0);
}

export async function getSkillRow(db: Kysely<DB>, ws: string, id: string) {
  return db.selectFrom('skills').selectAll().where('workspace_id', '=', ws).where('skill_id', '=', id).executeTakeFirst();
}

export async function holdersOf(db: Kysely<DB>, ws: string, skillIds: string[], now: number): Promise<Map<string, number>> {
  if (skillIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('agent_skills')
    .select(['skill_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', ws)
    .where('skill_id', 'in', skillIds)
    .where('status', '=', 'validated')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .groupBy('skill_id')
    .execute();
  return new Map(rows.map((r) => [r.skill_id, Number(r.n)]));
}

/** Grants, validates, renews or revokes a skill for an agent. */
export async function setAgentSkill(ctx: ServiceContext, ws: string, agentId: string, skillId: string, b: GrantSkill): Promise<AgentSkill> {
  const db = ctx.database.db;
  const now = ctx.clock.now();
  const agent = await getAgent(db, ws, agentId);
  if (!agent) throw notFound('agent', agentId);
  assertWritable(agentId, agent.current_state as AgentState);
  const skill = await getSkillRow(db, ws, skillId);
  if (!skill) throw notFound('skill', skillId);
  const expires = msOrNull(b.expires_at);
  if (expires !== null && expires <= now) throw new DomainError('validation_failed', 'expires_at must be in the future', [{ path: 'body.expires_at', message: 'must be in the future' }]);
  const validated = b.status === 'validated';
  const row = {
    workspace_id: ws,
    agent_id: agentId,
    skill_id: skillId,
    status: b.status,
    validated_at: validated ? now : null,
    expires_at: validated ? (expires ?? now + skill.recertify_every_days * DAY) : expires,
    evidence: b.evidence ?? null,
    updated_at: now,
  };
  await db
    .insertInto('agent_skills')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'agent_id', 'skill_id']).doUpdateSet({ status: row.status, validated_at: row.validated_at, expires_at: row.expires_at, evidence: row.evidence, updated_at: now }))
    .execute();
  if (validated) {
    // Recertified: the reminder for this skill is done.
    const open = await openAlertByKey(db, ws, dedupKey('skill_recertification_due', `${agentId}:${skillId}`));
    if (open) await resolveAlertRow(ctx, db, open, 'system', 'skill recertified', now);
  }
  ctx.bus.emit({ workspace_id: ws, type: 'agent.skills', agent_id: agentId });
  return toAgentSkill(row, now);
}

export async function agentSkills(db: Kysely<DB>, ws: string, agentId: string) {
  return db.selectFrom('agent_skills').selectAll().where('workspace_id', '=', ws).where('agent_id', '=', agentId).orderBy('skill_id').execute();
}

/** An assignment that requires skills goes only to an agent holding each of them validated. */
export async function assertSkillsUsable(db: Kysely<DB>, ws: string, agentId: string, skillIds: string[], now: number): Promise<void> {
  for (const skillId of skillIds) {
    if (!(await getSkillRow(db, ws, skillId))) throw unknownReference('required_skills', skillId, 'skill');
    const held = await db.selectFrom('agent_skills').selectAll().where('workspace_id', '=', ws).where('agent_id', '=', agentId).where('skill_id', '=', skillId).executeTakeFirst();
    if (!held || !usable(held, now)) {
      const why = !held ? 'does not hold it' : held.status !== 'validated' ? `holds it ${held.status}` : 'holds it expired';
      throw new DomainError('unknown_reference', `agent '${agentId}' lacks the validated skill '${skillId}' (${why})`, { field: 'required_skills', skill_id: skillId, agent_id: agentId });
    }
  }
}

/** Agents holding at least `min` usable skills: the "multi-skill" bench of seed 002. */
export async function multiSkillAgents(db: Kysely<DB>, ws: string, min: number, now: number, limit: number) {
  const rows = await db
    .selectFrom('agent_skills as s')
    .innerJoin('agents as a', (j) => j.onRef('a.workspace_id', '=', 's.workspace_id').onRef('a.agent_id', '=', 's.agent_id'))
    .select(['s.agent_id', 'a.agent_name', 's.skill_id'])
    .where('s.workspace_id', '=', ws)
    .where('s.status', '=', 'validated')
    .where((eb) => eb.or([eb('s.expires_at', 'is', null), eb('s.expires_at', '>', now)]))
    .orderBy('s.agent_id')
    .execute();
  const by = new Map<string, { agent_id: string; agent_name: string; skills: string[] }>();
  for (const r of rows) {
    const e = by.get(r.agent_id) ?? { agent_id: r.agent_id, agent_name: r.agent_name, skills: [] };
    e.skills.push(r.skill_id);
    by.set(r.agent_id, e);
  }
  return [...by.values()].filter((e) => e.skills.length >= min).slice(0, limit);
}
