import { readFileSync } from 'node:fs';
import type { AetherBoardClient, LivenessSettings, PriorityTier } from '@aetherboard/sdk';
import { CliError, EXIT } from '../lib/exit.js';

export type Tier = PriorityTier;
export const TIERS: readonly Tier[] = ['P0', 'P1', 'P2'];

/** The workspace's thresholds the simulated fleet must live by (and its faults must cross). */
export interface SimPolicy {
  cadenceMs: Record<Tier, number>;
  graceMs: Record<Tier, number>;
  blockedLimitMs: Record<Tier, number>;
  degradedLimitMs: Record<Tier, number>;
  errorBudget: number;
  repeatedBreachCount: number;
  repeatedBreachWindowMs: number;
  ackTimeoutMs: number;
  fleetOutageFraction: number;
  fleetOutageMinAgents: number;
  costAnomalyFactor: number;
  contractTiers: Tier[];
}

interface GovernanceSettings {
  cost_anomaly_factor?: number;
  contract_required_tiers?: Tier[];
}

const perTier = (x: Record<Tier, number>, f: (v: number) => number): Record<Tier, number> => ({ P0: f(x.P0), P1: f(x.P1), P2: f(x.P2) });

export function policyOf(l: LivenessSettings, g: GovernanceSettings): SimPolicy {
  const cadenceMs = perTier(l.cadence_s, (s) => s * 1000);
  return {
    cadenceMs,
    graceMs: perTier(cadenceMs, (c) => Math.min(0.25, l.grace_fraction) * c),
    blockedLimitMs: perTier(l.blocked_limit_s, (s) => s * 1000),
    degradedLimitMs: perTier(l.degraded_limit_s, (s) => s * 1000),
    errorBudget: l.error_budget_1h,
    repeatedBreachCount: l.repeated_breach_count,
    repeatedBreachWindowMs: 86_400_000,
    ackTimeoutMs: l.ack_timeout_s * 1000,
    fleetOutageFraction: l.fleet_outage_fraction,
    fleetOutageMinAgents: l.fleet_outage_min_agents,
    costAnomalyFactor: g.cost_anomaly_factor ?? 3,
    contractTiers: g.contract_required_tiers ?? ['P0', 'P1'],
  };
}

export async function loadPolicy(client: AetherBoardClient): Promise<SimPolicy> {
  const liveness = await client.settings.liveness();
  const governance = await client.request<GovernanceSettings>('GET', '/api/settings/governance').catch(() => ({}));
  return policyOf(liveness, governance);
}

/** A configuration to prove: `{"liveness": {...}, "governance": {...}}` as PATCHed to the settings routes. */
export interface SettingsFile {
  liveness?: Record<string, unknown>;
  governance?: Record<string, unknown>;
}

export function readSettingsFile(path: string): SettingsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`--settings ${path}: ${(err as Error).message}`, EXIT.config);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError(`--settings ${path}: expected an object {"liveness": {...}, "governance": {...}}`, EXIT.config);
  const f = parsed as Record<string, unknown>;
  const unknown = Object.keys(f).filter((k) => k !== 'liveness' && k !== 'governance');
  if (unknown.length > 0) throw new CliError(`--settings ${path}: unknown section(s) ${unknown.join(', ')} (use liveness and governance)`, EXIT.config);
  return f as SettingsFile;
}

export async function applySettings(client: AetherBoardClient, s: SettingsFile): Promise<void> {
  if (s.liveness && Object.keys(s.liveness).length > 0) await client.request('PATCH', '/api/settings/liveness', { body: s.liveness });
  if (s.governance && Object.keys(s.governance).length > 0) await client.request('PATCH', '/api/settings/governance', { body: s.governance });
}
