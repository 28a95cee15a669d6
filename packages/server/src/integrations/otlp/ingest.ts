import { CreateAgent, type HeartbeatBody } from '@aetherboard/contracts';
import { DomainError } from '../../domain/errors.js';
import type { Principal } from '../../api/principal.js';
import { registerAgent } from '../../service/agents.js';
import type { ServiceContext } from '../../service/context.js';
import type { HeartbeatIngest } from '../../service/heartbeats.js';
import { recordBatch } from '../../service/invocations.js';
import { chunks } from '../../store/invocations.js';
import { getWorkspace } from '../../store/workspaces.js';
import type { IntegrationSettings } from '../settings.js';
import type { OtlpSpan } from './decode.js';
import { GENAI, OURS, agentOf, failed, invocationOf, isGenAi, str, toAgentId, type AgentRef } from './genai.js';

export interface TraceIngestResult {
  /** GenAI spans stored as invocations (or already stored: a re-export). */
  stored: number;
  /** Spans that were not GenAI spans and were let through untouched. */
  ignored: number;
  rejected: number;
  /** Why spans were rejected, one line per distinct reason. */
  reasons: string[];
  /** Agents that got a sign of life from this export. */
  alive: string[];
}

const MAX_REASONS = 5;
const BATCH = 5_000;
const TIERS = ['P0', 'P1', 'P2'] as const;

/**
 * Turns one OTLP export into invocations and signs of life. Each GenAI span becomes a finished
 * invocation of its agent (idempotent on trace id + span id); each agent with a span in the export
 * gets exactly one heartbeat, `degraded` when any of its spans failed.
 */
export async function ingestTraces(
  svc: ServiceContext,
  ingest: HeartbeatIngest,
  principal: Principal,
  settings: IntegrationSettings,
  spans: OtlpSpan[],
): Promise<TraceIngestResult> {
  const ws = principal.workspaceId;
  const reasons = new Map<string, number>();
  let rejected = 0;
  const reject = (why: string, n = 1) => {
    rejected += n;
    reasons.set(why, (reasons.get(why) ?? 0) + n);
  };

  const byId = new Map(spans.map((s) => [`${s.traceId}:${s.spanId}`, s]));
  const genai = spans.filter(isGenAi);
  const owned: Array<{ span: OtlpSpan; ref: AgentRef }> = [];
  for (const span of genai) {
    const ref = agentOf(span, byId, principal.role === 'agent' ? principal.agentId : null);
    if (!ref) reject(`a span names no agent: set ${GENAI.agentId} (or ${GENAI.agentName}) on the span or its resource`);
    else if (principal.role === 'agent' && ref.agentId !== principal.agentId) reject(`this key reports for agent '${principal.agentId}' only`);
    else owned.push({ span, ref });
  }

  const known = await knownAgents(svc, ws, [...new Set(owned.map((o) => o.ref.agentId))]);
  const unknown = [...new Set(owned.map((o) => o.ref.agentId).filter((id) => !known.has(id)))];
  if (unknown.length > 0) {
    const refused = await registerUnknown(svc, principal, settings, unknown, owned);
    for (const id of unknown) if (!refused.has(id)) known.add(id);
    for (const o of owned) {
      const why = refused.get(o.ref.agentId);
      if (why) reject(why);
    }
  }

  const items: Array<{ span: OtlpSpan; agentId: string; item: Record<string, unknown> }> = [];
  for (const o of owned) {
    if (!known.has(o.ref.agentId)) continue;
    const item = invocationOf(o.span, o.ref.agentId);
    if (typeof item === 'string') reject(item);
    else items.push({ span: o.span, agentId: o.ref.agentId, item });
  }

  /** Agents with a stored span, and whether any of their spans failed. */
  const degraded = new Map<string, boolean>();
  let stored = 0;
  for (const part of chunks(items, BATCH)) {
    const r = await recordBatch(
      svc,
      ws,
      part.map((p) => p.item),
    );
    const bad = new Set(r.rejected.map((x) => x.index));
    for (const x of r.rejected) reject(`${x.error.code}: ${x.error.message.replace(/'otel-[0-9a-f-]+'/, 'of a span')}`);
    part.forEach((p, i) => {
      if (bad.has(i)) return;
      stored += 1;
      degraded.set(p.agentId, (degraded.get(p.agentId) ?? false) || failed(p.span));
    });
  }

  const alive = [...degraded.keys()];
  if (alive.length > 0) {
    const beats = alive.map((agentId) => {
      const body: HeartbeatBody = { status: degraded.get(agentId) ? 'degraded' : 'ok', work_mode: 'executing' };
      return { ws, agentId, body };
    });
    // A retired agent's spans are still history; its refused beat is not the exporter's fault.
    await ingest.submit(beats);
  }

  const lines = [...reasons.entries()].slice(0, MAX_REASONS).map(([why, n]) => (n > 1 ? `${why} (${n} spans)` : why));
  return { stored, ignored: spans.length - genai.length, rejected, reasons: lines, alive };
}

async function knownAgents(svc: ServiceContext, ws: string, ids: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks(ids, 900)) {
    const rows = await svc.database.db.selectFrom('agents').select('agent_id').where('workspace_id', '=', ws).where('agent_id', 'in', part).execute();
    for (const r of rows) out.add(r.agent_id);
  }
  return out;
}

/** Registers agents first seen in traces, or says why not; the map holds the refusals. */
async function registerUnknown(
  svc: ServiceContext,
  principal: Principal,
  settings: IntegrationSettings,
  ids: string[],
  owned: Array<{ span: OtlpSpan; ref: AgentRef }>,
): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  const ws = principal.workspaceId;
  if (settings.otlp_unknown_agents !== 'register') {
    for (const id of ids) refused.set(id, `unknown agent '${id}': register it first, or set otlp_unknown_agents to 'register' (PATCH /api/settings/integrations)`);
    return refused;
  }
  const manager = (await getWorkspace(svc.database.db, ws))?.manager_id ?? null;
  if (!manager) {
    for (const id of ids) refused.set(id, `unknown agent '${id}': auto-registration needs a workforce manager to own new agents (PUT /api/org)`);
    return refused;
  }
  for (const id of ids) {
    const first = owned.find((o) => o.ref.agentId === id)!;
    const a = first.span.attributes;
    const r = first.span.resource;
    const body = CreateAgent.safeParse({
      agent_id: id,
      agent_name: (first.ref.agentName ?? id).slice(0, 200),
      agent_type: 'main',
      capability_tags: ['opentelemetry'],
      model_profile: (str(a, GENAI.requestModel) ?? 'unknown').slice(0, 200),
      owner_id: manager,
      team_id: toAgentId(str(r, OURS.teamId)) ?? 'unassigned',
      priority_tier: TIERS.find((t) => t === str(r, OURS.tier)) ?? 'P2',
      risk_level: 'medium',
      notes: `registered from OpenTelemetry traces${str(r, 'service.name') ? ` of service '${str(r, 'service.name')}'` : ''}`,
    });
    if (!body.success) {
      refused.set(id, `unknown agent '${id}' cannot be registered: ${body.error.issues[0]?.path.join('.')} ${body.error.issues[0]?.message}`);
      continue;
    }
    try {
      await registerAgent(svc, ws, body.data, `otlp:${principal.actor}`);
    } catch (err) {
      // Registered meanwhile by a concurrent export: that is what we wanted.
      if (err instanceof DomainError && err.code === 'conflict' && /already exists/.test(err.message)) continue;
      if (err instanceof DomainError) refused.set(id, `unknown agent '${id}' cannot be registered: ${err.message}`);
      else throw err;
    }
  }
  return refused;
}
