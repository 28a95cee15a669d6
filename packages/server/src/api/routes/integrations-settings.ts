import { IntegrationSettings, IntegrationSettingsPatch, patchSettings, readSettings, type IntegrationOptions } from '../../integrations/settings.js';
import { requireRole } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

export function integrationSettingsRoutes(d: RouteDeps, opts: IntegrationOptions): AnyRoute[] {
  const { svc } = d;
  const db = () => svc.database.db;
  return [
    defineRoute({
      method: 'GET',
      url: '/api/settings/integrations',
      tag: 'settings',
      summary: "The workspace's integrations: unknown OTLP agents, Alertmanager, Slack-compatible webhook",
      description: 'Admins only: the webhook URL is a credential.',
      access: 'authenticated',
      roles: 'admin',
      responses: { 200: { description: 'settings in force', schema: IntegrationSettings } },
      handler: async ({ principal }) => {
        requireRole(principal, 'admin');
        return { body: await readSettings(db(), principal.workspaceId, opts) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/settings/integrations',
      tag: 'settings',
      summary: 'Change integration settings; omitted fields keep their values, null removes a URL',
      access: 'authenticated',
      roles: 'admin',
      body: IntegrationSettingsPatch,
      bodyLimit: 16 * 1024,
      responses: { 200: { description: 'settings in force', schema: IntegrationSettings } },
      handler: async ({ body, principal }) => {
        requireRole(principal, 'admin');
        await patchSettings(db(), principal.workspaceId, body);
        return { body: await readSettings(db(), principal.workspaceId, opts) };
      },
    }),
  ];
}
