import { z } from 'zod';
import { ApiKey, CreateKey, CreateWorkspace, Id, KeyCreated, ListQuery, Org, PutOrg, WorkspaceCreated, page } from '@aetherboard/contracts';
import { DomainError, notFound, unknownReference } from '../../domain/errors.js';
import { agentExists } from '../../store/agents.js';
import { decodeStringCursor, pageOf } from '../../store/codec.js';
import { getMember } from '../../store/org.js';
import { assertMember } from '../../service/agents.js';
import { getKey, getWorkspace, insertKey, insertWorkspace, listKeys, revokeKey, setManager, toApiKey } from '../../store/workspaces.js';
import { hashKey, newSecret, requireRole } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

export function workspaceRoutes(d: RouteDeps): AnyRoute[] {
  const { svc } = d;
  const db = () => svc.database.db;
  return [
    defineRoute({
      method: 'POST',
      url: '/api/workspaces',
      tag: 'workspaces',
      summary: 'Create a workspace and its first admin key (root only)',
      access: 'authenticated',
      roles: 'root',
      body: CreateWorkspace,
      responses: { 201: { description: 'created; the admin key is shown once', schema: WorkspaceCreated } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'root');
        const now = svc.clock.now();
        const workspaceId = `ws_${svc.ids.next().toLowerCase()}`;
        const secret = newSecret();
        await db()
          .transaction()
          .execute(async (tx) => {
            await insertWorkspace(tx, { workspace_id: workspaceId, name: body.name, now });
            await insertKey(tx, { key_id: `key_${svc.ids.next().toLowerCase()}`, workspace_id: workspaceId, role: 'admin', label: `${body.name} admin`, hash: hashKey(secret), now });
          });
        return { status: 201, body: { workspace_id: workspaceId, admin_key: secret } };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/keys',
      tag: 'keys',
      summary: 'Create an API key (the secret is shown once and stored hashed)',
      access: 'authenticated',
      roles: 'admin',
      body: CreateKey,
      responses: { 201: { description: 'created', schema: KeyCreated } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'admin');
        const ws = principal.workspaceId;
        if (body.agent_id !== undefined && !(await agentExists(db(), ws, body.agent_id))) throw unknownReference('agent_id', body.agent_id, 'agent');
        if (body.member_id !== undefined && !(await getMember(db(), ws, body.member_id))) throw unknownReference('member_id', body.member_id, 'member');
        const secret = newSecret();
        const keyId = `key_${svc.ids.next().toLowerCase()}`;
        await insertKey(db(), { key_id: keyId, workspace_id: ws, role: body.role, agent_id: body.agent_id ?? null, member_id: body.member_id ?? null, label: body.label, hash: hashKey(secret), now: svc.clock.now() });
        return { status: 201, body: { key_id: keyId, key: secret } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/keys',
      tag: 'keys',
      summary: 'List API keys (never their secrets)',
      access: 'authenticated',
      roles: 'admin',
      query: ListQuery,
      responses: { 200: { description: 'a page of keys', schema: page(ApiKey) } },
      handler: async ({ query, principal }) => {
        requireRole(principal, 'admin');
        const rows = await listKeys(db(), principal.workspaceId, decodeStringCursor(query.cursor), query.limit);
        return { body: pageOf(rows, query.limit, (r) => r.key_id, toApiKey) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/keys/:key_id',
      tag: 'keys',
      summary: 'Revoke an API key; it stops working at once',
      access: 'authenticated',
      roles: 'admin',
      params: z.object({ key_id: Id }),
      responses: { 204: { description: 'revoked' } },
      handler: async ({ params, principal }) => {
        requireRole(principal, 'admin');
        const key = await getKey(db(), principal.workspaceId, params.key_id);
        if (!key) throw notFound('key', params.key_id);
        if (key.role === 'root') throw new DomainError('forbidden', 'the root key is set by the operator (AETHERBOARD_ROOT_KEY) and cannot be revoked here');
        await revokeKey(db(), principal.workspaceId, params.key_id, svc.clock.now());
        d.auth.forget();
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/org',
      tag: 'org',
      summary: "The workspace and its workforce manager",
      access: 'authenticated',
      roles: 'viewer and up',
      responses: { 200: { description: 'org', schema: Org } },
      handler: async ({ principal }) => {
        requireRole(principal, 'viewer');
        const w = await getWorkspace(db(), principal.workspaceId);
        if (!w) throw notFound('workspace', principal.workspaceId);
        return { body: { workspace_id: w.workspace_id, name: w.name, manager_id: w.manager_id } };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/org',
      tag: 'org',
      summary: "Set the workspace's workforce manager (top of every escalation path)",
      access: 'authenticated',
      roles: 'admin',
      body: PutOrg,
      responses: { 200: { description: 'org', schema: Org } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'admin');
        const ws = principal.workspaceId;
        await assertMember(db(), ws, 'manager_id', body.manager_id);
        await setManager(db(), ws, body.manager_id);
        const w = await getWorkspace(db(), ws);
        svc.bus.emit({ workspace_id: ws, type: 'org.updated' });
        return { body: { workspace_id: ws, name: w?.name ?? '', manager_id: body.manager_id } };
      },
    }),
  ];
}
