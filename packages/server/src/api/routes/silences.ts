import { z } from 'zod';
import { CreateSilence, Id, LivenessSettings, LivenessSettingsPatch, Silence, page } from '@aetherboard/contracts';
import { notFound } from '../../domain/errors.js';
import type { LivenessPolicy } from '../../domain/policy.js';
import { decodeStringCursor, msOrNull, pageOf } from '../../store/codec.js';
import { getSilence, insertSilence, listSilences, toSilence } from '../../store/silences.js';
import { updateSettingsSection } from '../../store/workspaces.js';
import { requireRole } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

const S = 1000;
const tiers = (x: Record<'P0' | 'P1' | 'P2', number>, f: number) => ({ P0: Math.round(x.P0 / f), P1: Math.round(x.P1 / f), P2: Math.round(x.P2 / f) });

export function toSettings(p: LivenessPolicy): LivenessSettings {
  return {
    cadence_s: tiers(p.cadenceMs, S),
    grace_fraction: p.graceFraction,
    blocked_limit_s: tiers(p.blockedLimitMs, S),
    degraded_limit_s: tiers(p.degradedLimitMs, S),
    error_budget_1h: p.errorBudget1h,
    repeated_breach_count: p.repeatedBreachCount,
    repeated_degraded_count: p.repeatedDegradedCount,
    ack_timeout_s: Math.round(p.ackTimeoutMs / S),
    digest_interval_s: Math.round(p.digestIntervalMs / S),
    fleet_outage_fraction: p.fleetOutageFraction,
    fleet_outage_min_agents: p.fleetOutageMinAgents,
  };
}

function toOverrides(b: z.infer<typeof LivenessSettingsPatch>): Partial<LivenessPolicy> {
  const o: Partial<LivenessPolicy> = {};
  const ms = (t: Partial<Record<'P0' | 'P1' | 'P2', number>>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, (v as number) * S]));
  if (b.cadence_s) o.cadenceMs = ms(b.cadence_s) as LivenessPolicy['cadenceMs'];
  if (b.blocked_limit_s) o.blockedLimitMs = ms(b.blocked_limit_s) as LivenessPolicy['blockedLimitMs'];
  if (b.degraded_limit_s) o.degradedLimitMs = ms(b.degraded_limit_s) as LivenessPolicy['degradedLimitMs'];
  if (b.grace_fraction !== undefined) o.graceFraction = b.grace_fraction;
  if (b.error_budget_1h !== undefined) o.errorBudget1h = b.error_budget_1h;
  if (b.repeated_breach_count !== undefined) o.repeatedBreachCount = b.repeated_breach_count;
  if (b.repeated_degraded_count !== undefined) o.repeatedDegradedCount = b.repeated_degraded_count;
  if (b.ack_timeout_s !== undefined) o.ackTimeoutMs = b.ack_timeout_s * S;
  if (b.digest_interval_s !== undefined) o.digestIntervalMs = b.digest_interval_s * S;
  if (b.fleet_outage_fraction !== undefined) o.fleetOutageFraction = b.fleet_outage_fraction;
  if (b.fleet_outage_min_agents !== undefined) o.fleetOutageMinAgents = b.fleet_outage_min_agents;
  return o;
}

export function silenceRoutes(d: RouteDeps): AnyRoute[] {
  const { svc } = d;
  const db = () => svc.database.db;
  return [
    defineRoute({
      method: 'POST',
      url: '/api/silences',
      tag: 'silences',
      summary: 'Silence alerts for matching agents between two times (a maintenance window)',
      access: 'authenticated',
      roles: 'operator and up',
      body: CreateSilence,
      responses: { 201: { description: 'created', schema: Silence } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'operator');
        const now = svc.clock.now();
        const row = {
          silence_id: svc.ids.next(),
          workspace_id: principal.workspaceId,
          matchers: JSON.stringify(body.matchers),
          starts_at: msOrNull(body.starts_at) ?? now,
          ends_at: msOrNull(body.ends_at)!,
          comment: body.comment,
          created_by: principal.actor,
          created_at: now,
          expired_handled: 0,
        };
        await insertSilence(db(), row);
        return { status: 201, body: toSilence(row, now) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/silences',
      tag: 'silences',
      summary: 'List silences, newest first (active=true for current and future ones)',
      access: 'authenticated',
      roles: 'viewer and up',
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50), cursor: z.string().max(512).optional(), active: z.enum(['true', 'false']).optional() }),
      responses: { 200: { description: 'a page of silences', schema: page(Silence) } },
      handler: async ({ query, principal }) => {
        requireRole(principal, 'viewer');
        const now = svc.clock.now();
        const rows = await listSilences(db(), principal.workspaceId, { activeAt: query.active === 'true' ? now : undefined, before: decodeStringCursor(query.cursor), limit: query.limit });
        return { body: pageOf(rows, query.limit, (r) => r.silence_id, (r) => toSilence(r, now)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/silences/:id',
      tag: 'silences',
      summary: 'End a silence now; conditions it was hiding page at once',
      access: 'authenticated',
      roles: 'operator and up',
      params: z.object({ id: Id }),
      responses: { 204: { description: 'ended' } },
      handler: async ({ params, principal }) => {
        requireRole(principal, 'operator');
        const s = await getSilence(db(), principal.workspaceId, params.id);
        if (!s) throw notFound('silence', params.id);
        const now = svc.clock.now();
        if (s.ends_at > now) await db().updateTable('silences').set({ ends_at: now, expired_handled: 0 }).where('silence_id', '=', params.id).execute();
        await d.engine.runDue();
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/settings/liveness',
      tag: 'settings',
      summary: "The workspace's liveness settings: cadence per tier, grace, timeouts, escalation, digests, breaker",
      access: 'authenticated',
      roles: 'viewer and up',
      responses: { 200: { description: 'settings', schema: LivenessSettings } },
      handler: async ({ principal }) => {
        requireRole(principal, 'viewer');
        return { body: toSettings(await svc.policies.get(principal.workspaceId)) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/settings/liveness',
      tag: 'settings',
      summary: 'Change liveness settings; omitted fields keep their values',
      access: 'authenticated',
      roles: 'admin',
      body: LivenessSettingsPatch,
      responses: { 200: { description: 'settings', schema: LivenessSettings } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'admin');
        const ws = principal.workspaceId;
        const o = toOverrides(body);
        await updateSettingsSection<Partial<LivenessPolicy>>(db(), ws, 'liveness', (stored) => {
          const cur = stored ?? {};
          return {
            ...cur,
            ...o,
            ...(o.cadenceMs ? { cadenceMs: { ...(cur.cadenceMs ?? {}), ...o.cadenceMs } as LivenessPolicy['cadenceMs'] } : {}),
            ...(o.blockedLimitMs ? { blockedLimitMs: { ...(cur.blockedLimitMs ?? {}), ...o.blockedLimitMs } as LivenessPolicy['blockedLimitMs'] } : {}),
            ...(o.degradedLimitMs ? { degradedLimitMs: { ...(cur.degradedLimitMs ?? {}), ...o.degradedLimitMs } as LivenessPolicy['degradedLimitMs'] } : {}),
          };
        });
        svc.policies.invalidate(ws);
        // Other replicas drop their cached policy too: evaluators must never disagree on cadence.
        svc.bus.emit({ workspace_id: ws, type: 'settings.changed' });
        // New cadences move every monitored agent's next deadline: look at them all once.
        if (o.cadenceMs || o.graceFraction !== undefined || o.blockedLimitMs || o.degradedLimitMs) {
          await db().updateTable('agents').set({ next_deadline: svc.clock.now() }).where('workspace_id', '=', ws).where('health', '<>', 'not_monitored').execute();
        }
        return { body: toSettings(await svc.policies.get(ws)) };
      },
    }),
  ];
}
