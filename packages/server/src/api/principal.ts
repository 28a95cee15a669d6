import { createHash, randomBytes } from 'node:crypto';
import type { PrincipalRole } from '../store/workspaces.js';
import { DomainError, forbidden } from '../domain/errors.js';

export interface Principal {
  workspaceId: string;
  role: PrincipalRole;
  keyId: string;
  agentId: string | null;
  memberId: string | null;
  /** How the audit trail names whoever acted. */
  actor: string;
}

export type MinRole = 'viewer' | 'operator' | 'admin' | 'root';

const RANK: Record<PrincipalRole, number> = { agent: 0, viewer: 1, operator: 2, admin: 3, root: 4 };

export const KEY_PREFIX = 'ab_';

/** 32 random bytes: guessing one is hopeless, so a fast hash is enough to store it safely. */
export function newSecret(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function hasRole(p: Principal, min: MinRole): boolean {
  return RANK[p.role] >= RANK[min];
}

export function requireRole(p: Principal, min: MinRole): void {
  if (!hasRole(p, min)) throw forbidden(`this action needs the ${min} role; the key in use is ${p.role}`, { required: min, role: p.role });
}

/** Agent keys act for their own agent only; people's keys need at least `min`. */
export function requireSelfOr(p: Principal, agentId: string, min: MinRole): void {
  if (p.role === 'agent') {
    if (p.agentId !== agentId) throw forbidden(`this key acts for agent '${p.agentId}' only`, { agent_id: agentId });
    return;
  }
  requireRole(p, min);
}

export function actorOf(row: { key_id: string; role: PrincipalRole; member_id: string | null; agent_id: string | null }): string {
  if (row.role === 'root') return 'root';
  if (row.member_id) return row.member_id;
  if (row.role === 'agent' && row.agent_id) return row.agent_id;
  return `key:${row.key_id}`;
}

export const unauthorized = (message: string): DomainError => new DomainError('unauthorized', message);
