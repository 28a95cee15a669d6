import { z } from 'zod';
import { CreateMember, CreatePod, Id, Member, MemberKind, MemberStatus, Pod, UpdateMember, UpdatePod, page } from '@aetherboard/contracts';
import { conflict, notFound } from '../../domain/errors.js';
import { assertMember } from '../../service/agents.js';
import { governanceOf } from '../../service/governance.js';
import { decodeStringCursor, pageOf } from '../../store/codec.js';
import { countAgentsByPod, getMember, getPod, insertMember, insertPod, listMembers, listPods, toMember, toPod, updateMember, updatePod } from '../../store/org.js';
import { requireRole } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

const MemberList = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(512).optional(),
  kind: MemberKind.optional(),
  status: MemberStatus.optional(),
});
const PodList = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(512).optional(),
  team_id: Id.optional(),
});

export function orgRoutes(d: RouteDeps): AnyRoute[] {
  const { svc } = d;
  const db = () => svc.database.db;
  /** The pod-size range warnings are judged against: the workspace's governance settings. */
  const podSize = async (ws: string) => {
    const { settings } = await governanceOf(db(), ws);
    return { min: settings.pod_size_min, max: settings.pod_size_max };
  };
  const podWithCount = async (ws: string, podId: string) => {
    const p = await getPod(db(), ws, podId);
    if (!p) throw notFound('pod', podId);
    const counts = await countAgentsByPod(db(), ws, [podId]);
    return toPod(p, counts.get(podId) ?? 0, await podSize(ws));
  };
  return [
    defineRoute({
      method: 'POST',
      url: '/api/members',
      tag: 'org',
      summary: 'Add a member: a person or a lead agent who can own agents and lead pods',
      access: 'authenticated',
      roles: 'admin',
      body: CreateMember,
      responses: { 201: { description: 'created', schema: Member } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'admin');
        const ws = principal.workspaceId;
        const id = body.member_id ?? svc.ids.next();
        if (await getMember(db(), ws, id)) throw conflict(`member '${id}' already exists`, { field: 'member_id' });
        await insertMember(db(), { workspace_id: ws, member_id: id, name: body.name, kind: body.kind, email: body.email ?? null, now: svc.clock.now() });
        const m = await getMember(db(), ws, id);
        return { status: 201, body: toMember(m!) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/members',
      tag: 'org',
      summary: 'List members',
      access: 'authenticated',
      roles: 'viewer and up',
      query: MemberList,
      responses: { 200: { description: 'a page of members', schema: page(Member) } },
      handler: async ({ query, principal }) => {
        requireRole(principal, 'viewer');
        const rows = await listMembers(db(), principal.workspaceId, { kind: query.kind, status: query.status, after: decodeStringCursor(query.cursor), limit: query.limit });
        return { body: pageOf(rows, query.limit, (r) => r.member_id, toMember) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/members/:id',
      tag: 'org',
      summary: 'One member',
      access: 'authenticated',
      roles: 'viewer and up',
      params: z.object({ id: Id }),
      responses: { 200: { description: 'the member', schema: Member } },
      handler: async ({ params, principal }) => {
        requireRole(principal, 'viewer');
        const m = await getMember(db(), principal.workspaceId, params.id);
        if (!m) throw notFound('member', params.id);
        return { body: toMember(m) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/members/:id',
      tag: 'org',
      summary: "Rename a member, or mark one who left (their agents then need a new owner)",
      access: 'authenticated',
      roles: 'admin',
      params: z.object({ id: Id }),
      body: UpdateMember,
      responses: { 200: { description: 'the member', schema: Member } },
      handler: async ({ params, body, principal }) => {
        requireRole(principal, 'admin');
        const ws = principal.workspaceId;
        if (!(await getMember(db(), ws, params.id))) throw notFound('member', params.id);
        await updateMember(db(), ws, params.id, body, svc.clock.now());
        return { body: toMember((await getMember(db(), ws, params.id))!) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/pods',
      tag: 'org',
      summary: 'Create a pod with its lead',
      access: 'authenticated',
      roles: 'admin',
      body: CreatePod,
      responses: { 201: { description: 'created', schema: Pod } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'admin');
        const ws = principal.workspaceId;
        const id = body.pod_id ?? svc.ids.next();
        if (await getPod(db(), ws, id)) throw conflict(`pod '${id}' already exists`, { field: 'pod_id' });
        await assertMember(db(), ws, 'lead_id', body.lead_id);
        await insertPod(db(), { workspace_id: ws, pod_id: id, name: body.name, team_id: body.team_id, lead_id: body.lead_id, now: svc.clock.now() });
        return { status: 201, body: await podWithCount(ws, id) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/pods',
      tag: 'org',
      summary: 'List pods',
      access: 'authenticated',
      roles: 'viewer and up',
      query: PodList,
      responses: { 200: { description: 'a page of pods', schema: page(Pod) } },
      handler: async ({ query, principal }) => {
        requireRole(principal, 'viewer');
        const ws = principal.workspaceId;
        const rows = await listPods(db(), ws, { team_id: query.team_id, after: decodeStringCursor(query.cursor), limit: query.limit });
        const counts = await countAgentsByPod(db(), ws, rows.map((r) => r.pod_id));
        const size = await podSize(ws);
        return { body: pageOf(rows, query.limit, (r) => r.pod_id, (r) => toPod(r, counts.get(r.pod_id) ?? 0, size)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/pods/:id',
      tag: 'org',
      summary: 'One pod',
      access: 'authenticated',
      roles: 'viewer and up',
      params: z.object({ id: Id }),
      responses: { 200: { description: 'the pod', schema: Pod } },
      handler: async ({ params, principal }) => {
        requireRole(principal, 'viewer');
        return { body: await podWithCount(principal.workspaceId, params.id) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/pods/:id',
      tag: 'org',
      summary: 'Rename a pod, move it to another team or give it a new lead',
      access: 'authenticated',
      roles: 'admin',
      params: z.object({ id: Id }),
      body: UpdatePod,
      responses: { 200: { description: 'the pod', schema: Pod } },
      handler: async ({ params, body, principal }) => {
        requireRole(principal, 'admin');
        const ws = principal.workspaceId;
        if (!(await getPod(db(), ws, params.id))) throw notFound('pod', params.id);
        if (body.lead_id !== undefined) await assertMember(db(), ws, 'lead_id', body.lead_id);
        await updatePod(db(), ws, params.id, body, svc.clock.now());
        return { body: await podWithCount(ws, params.id) };
      },
    }),
  ];
}
