import { z } from 'zod';
import { getWorkspace } from '../../store/workspaces.js';
import { hasRole } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

export const Me = z.object({
  workspace_id: z.string(),
  workspace_name: z.string(),
  key_id: z.string(),
  role: z.enum(['agent', 'viewer', 'operator', 'admin', 'root']),
  agent_id: z.string().nullable(),
  member_id: z.string().nullable(),
  actor: z.string().describe('how the audit trail names this key'),
  can: z
    .object({ read: z.boolean(), operate: z.boolean(), administer: z.boolean() })
    .describe('what the key may do, so a client can hide actions it would be refused'),
});

export function meRoutes(d: RouteDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/me',
      tag: 'system',
      summary: 'Who am I: the workspace, role and binding of the key in use',
      access: 'authenticated',
      roles: 'any key',
      responses: { 200: { description: 'the key in use', schema: Me } },
      handler: async ({ principal: p }) => {
        const ws = await getWorkspace(d.svc.database.db, p.workspaceId);
        const body: z.infer<typeof Me> = {
          workspace_id: p.workspaceId,
          workspace_name: ws?.name ?? p.workspaceId,
          key_id: p.keyId,
          role: p.role,
          agent_id: p.agentId,
          member_id: p.memberId,
          actor: p.actor,
          can: { read: hasRole(p, 'viewer'), operate: hasRole(p, 'operator'), administer: hasRole(p, 'admin') },
        };
        return { body };
      },
    }),
  ];
}
