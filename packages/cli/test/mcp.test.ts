import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, dialects, seedOrg, startTestServer, type Api, type TestServer } from '../../server/src/test-support/harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

/** `aetherboard mcp` as an MCP host starts it: a child process speaking the protocol on stdio. */
async function connect(env: Record<string, string>): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', BIN, 'mcp'],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'aetherboard-test-host', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

interface ToolResult {
  isError?: boolean;
  content: Array<{ type: string; text: string }>;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ isError: boolean; value: unknown; text: string }> {
  const r = (await client.callTool({ name, arguments: args })) as ToolResult;
  const text = r.content.map((c) => c.text).join('');
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // an error message, kept as text
  }
  return { isError: r.isError === true, value, text };
}

describe.each(dialects())('aetherboard mcp, driven by the MCP SDK client, against a server on %s', (dialect) => {
  let s: TestServer;
  let api: Api;
  let client: Client;
  let assignmentId: string;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    api = s.api;
    await seedOrg(api);
    await api('POST', '/api/agents', { body: agentBody('mcp-agent') });
    for (const to of ['ready', 'assigned', 'executing']) await api('POST', '/api/agents/mcp-agent/transitions', { body: { to, reason: 'seed' } });
    const a = await api('POST', '/api/assignments', {
      body: { agent_id: 'mcp-agent', workstream_id: 'docs', role_on_task: 'owner', contract: { scope: 'write the guide', definition_of_done: ['published'] } },
    });
    expect(a.status).toBe(201);
    assignmentId = a.body.assignment_id;
    const key = (await api('POST', '/api/keys', { body: { role: 'agent', agent_id: 'mcp-agent', label: 'mcp' } })).body.key as string;
    client = await connect({ AETHERBOARD_URL: s.url, AETHERBOARD_KEY: key });
  });
  afterAll(async () => {
    await client?.close();
    await s?.close();
  });

  it('lists the tools an agent calls on itself', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['escalate', 'get_my_assignments', 'heartbeat', 'record_invocation', 'report_blocker', 'report_progress']);
    const hb = tools.find((t) => t.name === 'heartbeat')!;
    expect(hb.description).toMatch(/alive/);
    expect(Object.keys((hb.inputSchema as { properties: object }).properties)).toEqual(expect.arrayContaining(['status', 'work_mode', 'summary']));
  });

  it('heartbeats with the agent key', async () => {
    const r = await call(client, 'heartbeat', { status: 'ok', work_mode: 'executing', summary: 'drafting the guide' });
    expect(r.isError).toBe(false);
    expect(r.value).toMatchObject({ stored: true });
    const beats = await api('GET', '/api/agents/mcp-agent/heartbeats?limit=1');
    expect(beats.body.items[0]).toMatchObject({ status: 'ok', work_mode: 'executing', summary: 'drafting the guide' });
  });

  it('reads its assignments and reports progress, a blocker and an escalation', async () => {
    const mine = await call(client, 'get_my_assignments');
    expect(mine.value).toEqual([expect.objectContaining({ assignment_id: assignmentId, status: 'active', contract: expect.objectContaining({ scope: 'write the guide' }) })]);

    const progress = await call(client, 'report_progress', { assignment_id: assignmentId, percent_complete: 40 });
    expect(progress.isError).toBe(false);
    expect((await api('GET', `/api/assignments/${assignmentId}`)).body.percent_complete).toBe(40);

    const blocked = await call(client, 'report_blocker', { assignment_id: assignmentId, blocker_code: 'dependency', summary: 'waiting for the API review' });
    expect(blocked.value).toMatchObject({ status: 'blocked', blocker_code: 'dependency' });
    expect((await api('GET', '/api/agents/mcp-agent')).body).toMatchObject({ last_status: 'blocked', last_summary: 'waiting for the API review' });

    const esc = await call(client, 'escalate', { reason: 'the reviewer is away; someone must approve' });
    expect(esc.isError).toBe(false);
    expect(esc.value).toMatchObject({ agent_id: 'mcp-agent', current_state: 'escalated' });
    const moves = (await api('GET', '/api/agents/mcp-agent/transitions?order=desc&limit=1')).body.items;
    expect(moves[0]).toMatchObject({ to: 'escalated', actor: 'mcp-agent' });

    // The model reads refusals as tool errors.
    const missing = await call(client, 'report_progress', { assignment_id: 'no-such-assignment', percent_complete: 10 });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/^not_found:/);
  });

  it('records invocations, once per invocation_id', async () => {
    const args = { invocation_id: 'mcp-inv-1', task_description: 'summarise the review notes', success: true, execution_time_ms: 1200, tokens_used: 900, cost_usd: 0.02 };
    const first = await call(client, 'record_invocation', args);
    expect(first.value).toEqual({ recorded: true, duplicate: false });
    const again = await call(client, 'record_invocation', args);
    expect(again.value).toEqual({ recorded: true, duplicate: true });
    const inv = await api('GET', '/api/invocations/mcp-inv-1');
    expect(inv.body).toMatchObject({ agent_id: 'mcp-agent', outcome: 'success', tokens_used: 900, cost_usd: 0.02, execution_time_ms: 1200 });
    expect((await api('GET', '/api/agents/mcp-agent')).body.metrics.total_tasks).toBe(1);
  });

  it('says what is wrong when the key is not an agent key', async () => {
    const operator = (await api('POST', '/api/keys', { body: { role: 'operator', label: 'op' } })).body.key as string;
    const other = await connect({ AETHERBOARD_URL: s.url, AETHERBOARD_KEY: operator });
    try {
      const r = await call(other, 'heartbeat', {});
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/not an agent key; set AETHERBOARD_AGENT_ID/);
    } finally {
      await other.close();
    }
  });
});
