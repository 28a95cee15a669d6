import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, dialects, seedOrg, startTestServer, type TestServer } from '../../test-support/harness.js';

describe.each(dialects())('GET /api/me on %s', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await seedOrg(s.api);
    await s.api('POST', '/api/agents', { body: agentBody('me-agent') });
  });
  afterAll(async () => s?.close());

  it('names the workspace, role and binding of the key, and what it may do', async () => {
    const root = await s.api('GET', '/api/me');
    expect(root.status).toBe(200);
    expect(root.body).toMatchObject({ workspace_id: 'default', workspace_name: 'Default', role: 'root', actor: 'root', can: { read: true, operate: true, administer: true } });

    const viewer = await s.api('POST', '/api/keys', { body: { role: 'viewer', label: 'v' } });
    const v = await s.api('GET', '/api/me', { key: viewer.body.key });
    expect(v.body).toMatchObject({ role: 'viewer', key_id: viewer.body.key_id, agent_id: null, can: { read: true, operate: false, administer: false } });

    const operator = await s.api('POST', '/api/keys', { body: { role: 'operator', label: 'o', member_id: 'lead' } });
    const o = await s.api('GET', '/api/me', { key: operator.body.key });
    expect(o.body).toMatchObject({ role: 'operator', member_id: 'lead', actor: 'lead', can: { read: true, operate: true, administer: false } });

    const agent = await s.api('POST', '/api/keys', { body: { role: 'agent', agent_id: 'me-agent', label: 'a' } });
    const a = await s.api('GET', '/api/me', { key: agent.body.key });
    expect(a.body).toMatchObject({ role: 'agent', agent_id: 'me-agent', can: { read: false, operate: false, administer: false } });
  });

  it('answers 401 without a valid key', async () => {
    expect((await s.api('GET', '/api/me', { key: null })).status).toBe(401);
    expect((await s.api('GET', '/api/me', { key: 'ab_unknown' })).body.error.code).toBe('unauthorized');
  });

  it('is in the OpenAPI document', async () => {
    const doc = await s.api('GET', '/api/openapi.json', { key: null });
    expect(doc.body.paths['/api/me'].get).toBeDefined();
    expect(doc.body.paths['/api/events'].get).toBeDefined();
  });
});
