import type { AlertKind, AlertSeverity } from '@aetherboard/contracts';
import { EXTRA_P1_ALERT_KINDS, P1_ALERT_KINDS } from '@aetherboard/contracts';
import type { LivenessPolicy } from './policy.js';

export const severityOf = (kind: AlertKind): AlertSeverity =>
  (P1_ALERT_KINDS as readonly string[]).includes(kind) || (EXTRA_P1_ALERT_KINDS as readonly string[]).includes(kind) ? 'P1' : 'P2';

export const dedupKey = (kind: AlertKind, subject: string): string => `${kind}:${subject}`;

/** The highest level of the reporting line: 0 owner / secondary owner / pod lead, 1 workforce manager. */
export const MAX_ESCALATION_LEVEL = 1;

export interface AlertClock {
  status: 'open' | 'acknowledged' | 'resolved';
  severity: AlertSeverity;
  escalationLevel: number;
  openedAt: number;
  /** When the current level was reached. */
  levelSince: number;
}

/** When an alert should climb next, or null if it never will (acknowledged, resolved, P2, top level). */
export function nextEscalationAt(a: AlertClock, policy: LivenessPolicy): number | null {
  if (a.status !== 'open' || a.severity !== 'P1' || a.escalationLevel >= MAX_ESCALATION_LEVEL) return null;
  return a.levelSince + policy.ackTimeoutMs;
}

export interface Recipient {
  member_id: string;
  level: number;
  role: 'owner' | 'secondary_owner' | 'pod_lead' | 'workforce_manager';
}

/** Contract §3: owner (and secondary owner) → pod lead at level 0, the workforce manager at level 1. */
export function recipientsAt(
  level: number,
  line: { ownerId: string | null; secondaryOwnerId: string | null; podLeadId: string | null; managerId: string | null },
): Recipient[] {
  const out: Recipient[] = [];
  const add = (id: string | null, role: Recipient['role']) => {
    if (id && !out.some((r) => r.member_id === id)) out.push({ member_id: id, level, role });
  };
  if (level === 0) {
    add(line.ownerId, 'owner');
    add(line.secondaryOwnerId, 'secondary_owner');
    add(line.podLeadId, 'pod_lead');
    // Nobody below the manager: the page must still reach someone.
    if (out.length === 0) add(line.managerId, 'workforce_manager');
  } else {
    add(line.managerId, 'workforce_manager');
  }
  return out;
}

/** The fleet breaker counts agents whose health says they are silent: breach or critical. */
export const TROUBLED_HEALTH = ['breach', 'critical'] as const;
export const isTroubled = (health: string): boolean => (TROUBLED_HEALTH as readonly string[]).includes(health);

export interface FleetCounts {
  monitored: number;
  troubled: number;
}

/** A large enough share of a large enough fleet in trouble at once: one `fleet_outage`, not a page each. */
export const outageTrips = (c: FleetCounts, policy: LivenessPolicy): boolean =>
  c.monitored >= policy.fleetOutageMinAgents && c.troubled / c.monitored >= policy.fleetOutageFraction;

/** An outage clears once fewer than half the breaker's share are still in trouble. */
export const outageClears = (c: FleetCounts, policy: LivenessPolicy): boolean =>
  c.monitored === 0 || c.troubled / c.monitored < policy.fleetOutageFraction / 2;
