import type { FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import type { Database } from '../store/db.js';
import { findKeyByHash, touchKey } from '../store/workspaces.js';
import { actorOf, hashKey, unauthorized, type Principal } from './principal.js';

interface CacheEntry {
  principal: Principal | null;
  expires: number;
}

/** How often the advisory `last_used_at` of keys is written, in one statement for all of them. */
const TOUCH_FLUSH_MS = 30_000;

/**
 * Resolves `Authorization: Bearer <key>` to a principal. Lookups are cached briefly because the
 * heartbeat path authenticates every request; a revocation on this server drops the cache at
 * once, and other replicas see it within the TTL.
 */
export class Authenticator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly touched = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | null = null;
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
  ) {}

  async authenticate(req: FastifyRequest): Promise<Principal> {
    const header = req.headers.authorization;
    if (!header) throw unauthorized('missing Authorization: Bearer <key> header');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m || !m[1]) throw unauthorized('Authorization header must be "Bearer <key>"');
    const secret = m[1];
    const now = this.clock.now();
    // Keyed by the presented key itself (kept in memory only, like the request that carried it):
    // a cached key costs no hashing.
    let entry = this.cache.get(secret);
    if (!entry || entry.expires <= now) {
      const row = await findKeyByHash(this.database.db, hashKey(secret));
      const principal =
        row && row.revoked_at === null
          ? { workspaceId: row.workspace_id, role: row.role, keyId: row.key_id, agentId: row.agent_id, memberId: row.member_id, actor: actorOf(row) }
          : null;
      entry = { principal, expires: now + this.ttlMs };
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(secret, entry);
    }
    if (!entry.principal) throw unauthorized('API key is unknown or revoked');
    // last_used_at is advisory: remembered here and written for all keys together, so a fleet of
    // agents with their own keys never pays a write (and an fsync) per heartbeat.
    this.touched.set(entry.principal.keyId, now);
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flushTouched(), TOUCH_FLUSH_MS);
      this.flushTimer.unref();
    }
    return entry.principal;
  }

  async flushTouched(): Promise<void> {
    this.flushTimer = null;
    if (this.touched.size === 0) return;
    const batch = [...this.touched];
    this.touched.clear();
    await this.database.db
      .transaction()
      .execute(async (tx) => {
        for (const [keyId, at] of batch) await touchKey(tx, keyId, at);
      })
      .catch(() => undefined);
  }

  forget(): void {
    this.cache.clear();
  }
}
