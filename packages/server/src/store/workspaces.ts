import type { Kysely } from 'kysely';
import type { ApiKey, KeyRole } from '@aetherboard/contracts';
import type { DB } from './tables.js';
import { iso, isoOrNull, parseJson } from './codec.js';

export type PrincipalRole = KeyRole | 'root';

export interface KeyRow {
  key_id: string;
  workspace_id: string;
  role: PrincipalRole;
  agent_id: string | null;
  member_id: string | null;
  label: string;
  revoked_at: number | null;
}

export async function insertWorkspace(db: Kysely<DB>, w: { workspace_id: string; name: string; now: number }): Promise<void> {
  await db.insertInto('workspaces').values({ workspace_id: w.workspace_id, name: w.name, manager_id: null, settings: '{}', created_at: w.now }).execute();
}

export async function getWorkspace(db: Kysely<DB>, workspaceId: string) {
  return db.selectFrom('workspaces').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

export async function setManager(db: Kysely<DB>, workspaceId: string, managerId: string): Promise<void> {
  await db.updateTable('workspaces').set({ manager_id: managerId }).where('workspace_id', '=', workspaceId).execute();
}

/**
 * Changes one section of a workspace's settings (`liveness`, `governance`, `raci`, ...), leaving
 * the others as they are. Compare-and-set on the stored text: two admins saving at once (on one
 * server or on several replicas) both get their change, neither overwrites the other's with a
 * stale copy. Returns the section as stored.
 */
export async function updateSettingsSection<T>(db: Kysely<DB>, workspaceId: string, section: string, change: (cur: T | undefined) => T): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const w = await db.selectFrom('workspaces').select('settings').where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!w) throw new Error(`workspace '${workspaceId}' does not exist`);
    const all = parseJson<Record<string, unknown>>(w.settings, {});
    const next = change(all[section] as T | undefined);
    const r = await db
      .updateTable('workspaces')
      .set({ settings: JSON.stringify({ ...all, [section]: next }) })
      .where('workspace_id', '=', workspaceId)
      .where('settings', '=', w.settings)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) return next;
    // Someone else saved in between: apply this change to what they stored.
    if (attempt >= 50) throw new Error(`settings of workspace '${workspaceId}' keep changing; gave up after ${attempt + 1} attempts`);
  }
}

export async function insertKey(
  db: Kysely<DB>,
  k: { key_id: string; workspace_id: string; role: PrincipalRole; agent_id?: string | null; member_id?: string | null; label: string; hash: string; now: number },
): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({
      key_id: k.key_id,
      workspace_id: k.workspace_id,
      role: k.role,
      agent_id: k.agent_id ?? null,
      member_id: k.member_id ?? null,
      label: k.label,
      hash: k.hash,
      created_at: k.now,
      revoked_at: null,
      last_used_at: null,
    })
    .execute();
}

export async function findKeyByHash(db: Kysely<DB>, hash: string): Promise<KeyRow | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['key_id', 'workspace_id', 'role', 'agent_id', 'member_id', 'label', 'revoked_at'])
    .where('hash', '=', hash)
    .executeTakeFirst();
  return row as KeyRow | undefined;
}

export async function touchKey(db: Kysely<DB>, keyId: string, now: number): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('key_id', '=', keyId).execute();
}

export async function revokeKey(db: Kysely<DB>, workspaceId: string, keyId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('key_id', '=', keyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function getKey(db: Kysely<DB>, workspaceId: string, keyId: string) {
  return db.selectFrom('api_keys').selectAll().where('workspace_id', '=', workspaceId).where('key_id', '=', keyId).executeTakeFirst();
}

export async function listKeys(db: Kysely<DB>, workspaceId: string, after: string | undefined, limit: number) {
  let q = db.selectFrom('api_keys').selectAll().where('workspace_id', '=', workspaceId);
  if (after !== undefined) q = q.where('key_id', '>', after);
  return q.orderBy('key_id').limit(limit + 1).execute();
}

export function toApiKey(r: DB['api_keys']): ApiKey {
  return {
    key_id: r.key_id,
    role: r.role as ApiKey['role'],
    label: r.label,
    agent_id: r.agent_id,
    member_id: r.member_id,
    created_at: iso(r.created_at),
    revoked_at: isoOrNull(r.revoked_at),
    last_used_at: isoOrNull(r.last_used_at),
  };
}

export async function getMeta(db: Kysely<DB>, key: string): Promise<string | undefined> {
  const r = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return r?.value;
}

export async function setMeta(db: Kysely<DB>, key: string, value: string): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
