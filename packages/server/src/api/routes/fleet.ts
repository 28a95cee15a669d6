import { FleetSummary } from '@aetherboard/contracts';
import { fleetSummary, type SpendSource } from '../../store/fleet.js';
import { requireRole } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

export function fleetRoutes(d: RouteDeps, spend: SpendSource, openAlerts: (ws: string) => Promise<number>): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/fleet/summary',
      tag: 'fleet',
      summary: 'Are we under control? Agents by state and health, work by team and pod, blockers, throughput, cost',
      access: 'authenticated',
      roles: 'viewer and up',
      responses: { 200: { description: 'the summary', schema: FleetSummary } },
      handler: async ({ principal }) => {
        requireRole(principal, 'viewer');
        const ws = principal.workspaceId;
        return { body: await fleetSummary(d.svc.database.db, ws, d.svc.clock.now(), spend, await openAlerts(ws)) };
      },
    }),
  ];
}
