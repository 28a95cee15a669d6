import { sql } from 'kysely';
import type { Clock } from './clock.js';
import { hashKey, newSecret } from './api/principal.js';
import type { Database } from './store/db.js';
import { findKeyByHash, getWorkspace, insertKey, insertWorkspace } from './store/workspaces.js';

export const DEFAULT_WORKSPACE = 'default';
const ROOT_KEY_ID = 'key_root';

/**
 * First start creates the `default` workspace and the root key. An operator-supplied
 * AETHERBOARD_ROOT_KEY replaces the stored one on every start; otherwise a key is generated once
 * and returned so the caller can print it (it is never shown again).
 */
export async function bootstrap(database: Database, clock: Clock, rootKey: string | undefined): Promise<{ generatedRootKey: string | null }> {
  const db = database.db;
  const now = clock.now();
  return db.transaction().execute(async (tx) => {
    // Replicas starting together bootstrap one at a time; the first creates, the rest find it done.
    if (database.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(7070001)`.execute(tx);
    if (!(await getWorkspace(tx, DEFAULT_WORKSPACE))) await insertWorkspace(tx, { workspace_id: DEFAULT_WORKSPACE, name: 'Default', now });
    const existing = await tx.selectFrom('api_keys').select(['key_id', 'hash']).where('key_id', '=', ROOT_KEY_ID).executeTakeFirst();
    if (rootKey !== undefined) {
      const hash = hashKey(rootKey);
      if (existing?.hash === hash) return { generatedRootKey: null };
      const clash = await findKeyByHash(tx, hash);
      if (clash && clash.key_id !== ROOT_KEY_ID) throw new Error('AETHERBOARD_ROOT_KEY equals an existing API key; choose another');
      if (existing) await tx.updateTable('api_keys').set({ hash, revoked_at: null }).where('key_id', '=', ROOT_KEY_ID).execute();
      else await insertKey(tx, { key_id: ROOT_KEY_ID, workspace_id: DEFAULT_WORKSPACE, role: 'root', label: 'root', hash, now });
      return { generatedRootKey: null };
    }
    if (existing) return { generatedRootKey: null };
    const secret = newSecret();
    await insertKey(tx, { key_id: ROOT_KEY_ID, workspace_id: DEFAULT_WORKSPACE, role: 'root', label: 'root', hash: hashKey(secret), now });
    return { generatedRootKey: secret };
  });
}
