import type { Command } from 'commander';
import { resolveUrl } from './lib/api.js';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AssignmentStatus, BlockerCode, HeartbeatStatus, WorkMode } from '@aetherboard/contracts';
import { AetherBoardError, createClient, type AetherBoardClient } from '@aetherboard/sdk';

export interface McpOptions {
  url: string;
  key: string;
  /** Needed only when the key is not an agent key (an operator acting for one agent). */
  agentId?: string;
  version: string;
}

const ok = (value: unknown): CallToolResult => ({ content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] });
const failure = (text: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text }] });

/** Refusals reach the model as tool errors it can read and act on, not as protocol failures. */
async function guarded(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof AetherBoardError) return failure(`${err.code}: ${err.message}${err.details ? ` ${JSON.stringify(err.details)}` : ''}`);
    return failure(err instanceof Error ? err.message : String(err));
  }
}

const Summary = z.string().max(140).describe('one line for the people watching, at most 140 characters');

/**
 * The tools an agent calls on itself, each one HTTP call (or two) with the agent's own key:
 * liveness, its work, its blockers, a request for a person, and the record of what it did.
 */
export function createMcpServer(opts: McpOptions): McpServer {
  const client: AetherBoardClient = createClient({ url: opts.url, key: opts.key });
  let agentId: Promise<string> | undefined;
  const self = (): Promise<string> =>
    (agentId ??= (async () => {
      if (opts.agentId) return opts.agentId;
      const me = await client.me();
      if (!me.agent_id) throw new Error(`the key in AETHERBOARD_KEY is a ${me.role} key, not an agent key; set AETHERBOARD_AGENT_ID to act for one agent`);
      return me.agent_id;
    })().catch((err: unknown) => {
      agentId = undefined;
      throw err;
    }));

  const server = new McpServer({ name: 'aetherboard', version: opts.version });

  server.registerTool(
    'heartbeat',
    {
      title: 'Heartbeat',
      description: 'Tell AetherBoard you are alive and how you are doing. Call it at least as often as your tier expects (P0 every minute).',
      inputSchema: {
        status: HeartbeatStatus.default('ok').describe('ok, degraded, blocked or offline'),
        work_mode: WorkMode.default('executing').describe('idle, executing, waiting or escalated'),
        summary: Summary.optional(),
        active_assignment_id: z.string().optional(),
        queue_depth: z.number().int().min(0).optional(),
      },
    },
    async (args) =>
      guarded(async () => {
        const r = await client.heartbeats.send(await self(), args);
        return ok({ stored: r.accepted, received_at: r.received_at });
      }),
  );

  server.registerTool(
    'get_my_assignments',
    {
      title: 'Get my assignments',
      description: 'Your assignments, with their status, progress, due time and task contract (scope, definition of done).',
      inputSchema: { status: AssignmentStatus.optional().describe('active, blocked, handoff or done; all when omitted'), limit: z.number().int().min(1).max(200).default(50) },
      annotations: { readOnlyHint: true },
    },
    async ({ status, limit }) =>
      guarded(async () => {
        const page = await client.assignments.list({ agent_id: await self(), status, limit });
        return ok(page.items);
      }),
  );

  server.registerTool(
    'report_progress',
    {
      title: 'Report progress',
      description: 'Record progress on one of your assignments: percent complete, and status done when finished.',
      inputSchema: {
        assignment_id: z.string(),
        percent_complete: z.number().int().min(0).max(100).optional(),
        status: z.enum(['active', 'done']).optional().describe('done when finished; active to resume after a blocker cleared'),
        summary: Summary.optional().describe('also sent as a heartbeat summary'),
      },
    },
    async ({ assignment_id, percent_complete, status, summary }) =>
      guarded(async () => {
        const patch = { ...(status ? { status, ...(status === 'active' ? { blocker_code: null } : {}) } : {}), ...(percent_complete !== undefined ? { percent_complete } : {}) };
        if (Object.keys(patch).length === 0 && summary === undefined) return failure('nothing to report: give percent_complete, status or summary');
        const a = Object.keys(patch).length > 0 ? await client.assignments.update(assignment_id, patch) : await client.assignments.get(assignment_id);
        if (summary !== undefined) await client.heartbeats.send(await self(), { status: 'ok', work_mode: 'executing', summary, active_assignment_id: assignment_id });
        return ok(a);
      }),
  );

  server.registerTool(
    'report_blocker',
    {
      title: 'Report a blocker',
      description: 'You cannot go on with an assignment: marks it blocked with the reason code and reports you as blocked. Blocked too long, you are escalated.',
      inputSchema: {
        assignment_id: z.string(),
        blocker_code: BlockerCode.describe('waiting_input, tool_error, dependency or policy'),
        summary: Summary.describe('what you are waiting for'),
      },
    },
    async ({ assignment_id, blocker_code, summary }) =>
      guarded(async () => {
        const a = await client.assignments.update(assignment_id, { status: 'blocked', blocker_code });
        await client.heartbeats.send(await self(), { status: 'blocked', work_mode: 'waiting', summary, active_assignment_id: assignment_id });
        return ok(a);
      }),
  );

  server.registerTool(
    'escalate',
    {
      title: 'Escalate',
      description:
        'Ask for a person now. Moves you to escalated where the lifecycle allows (from executing or blocked), records the reason, ' +
        'and, given an assignment, marks it blocked (blocker_code policy unless you name another).',
      inputSchema: {
        reason: z.string().min(1).max(1000).describe('what you need a person for'),
        assignment_id: z.string().optional(),
        blocker_code: BlockerCode.default('policy'),
      },
    },
    async ({ reason, assignment_id, blocker_code }) =>
      guarded(async () => {
        const id = await self();
        if (assignment_id) await client.assignments.update(assignment_id, { status: 'blocked', blocker_code });
        const agent = await client.request<{ current_state: string; health: string }>('POST', `/api/agents/${encodeURIComponent(id)}/escalate`, { body: { reason } });
        return ok({ agent_id: id, current_state: agent.current_state, health: agent.health });
      }),
  );

  server.registerTool(
    'record_invocation',
    {
      title: 'Record an invocation',
      description: 'Record one finished piece of work: what it was, whether it succeeded, how long it took and what it cost. Give invocation_id to make retries harmless.',
      inputSchema: {
        task_description: z.string().min(1).max(10_000),
        success: z.boolean(),
        name: z.string().max(200).optional(),
        invocation_id: z.string().optional(),
        started_at: z.iso.datetime({ offset: true }).optional().describe('defaults to now minus execution_time_ms'),
        execution_time_ms: z.number().min(0).optional(),
        tokens_used: z.number().int().min(0).optional(),
        cost_usd: z.number().min(0).optional(),
        outcome_summary: z.string().max(2000).optional(),
        error_details: z.string().max(10_000).optional(),
        assignment_id: z.string().optional(),
        complexity_score: z.number().int().min(1).max(10).optional(),
      },
    },
    async (args) =>
      guarded(async () => {
        const started_at = args.started_at ?? new Date(Date.now() - Math.round(args.execution_time_ms ?? 0)).toISOString();
        const r = await client.invocations.batch([{ ...args, started_at, agent_id: await self() }]);
        const bad = r.rejected[0];
        if (bad) return failure(`${bad.error.code}: ${bad.error.message}`);
        return ok({ recorded: true, duplicate: r.duplicates > 0 });
      }),
  );

  return server;
}

export async function runMcp(opts: McpOptions): Promise<void> {
  const server = createMcpServer(opts);
  await server.connect(new StdioServerTransport());
}

export function registerMcp(program: Command, version: string): void {
  program
    .command('mcp')
    .description('serve the agent tools over MCP on stdio (AETHERBOARD_URL, AETHERBOARD_KEY with an agent key)')
    .action(async () => {
      let url: string;
      try {
        url = resolveUrl(undefined);
      } catch (err) {
        process.stderr.write(`aetherboard mcp: ${(err as Error).message}\n`);
        process.exit(2);
      }
      const key = process.env.AETHERBOARD_KEY;
      if (!key) {
        process.stderr.write('aetherboard mcp: set AETHERBOARD_KEY to the agent key (and AETHERBOARD_URL to the server)\n');
        process.exit(2);
      }
      // stdout carries the protocol; anything else goes to stderr.
      await runMcp({ url, key, agentId: process.env.AETHERBOARD_AGENT_ID || undefined, version });
    });
}
