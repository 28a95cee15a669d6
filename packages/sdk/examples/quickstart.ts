/**
 * A runnable tour of the SDK: register an agent, give it its own key, join the fleet with
 * heartbeats, track some work, and read the numbers back.
 *
 *   npx aetherboard serve                      # in one terminal (prints the root key once)
 *   AETHERBOARD_KEY=<root or admin key> node --import tsx packages/sdk/examples/quickstart.ts
 *
 * AETHERBOARD_URL defaults to http://127.0.0.1:7070.
 */
import { AetherBoardError, createClient } from '@aetherboard/sdk';

export interface QuickstartOptions {
  url: string;
  adminKey: string;
  agentId?: string;
  log?: (line: string) => void;
}

export async function quickstart(o: QuickstartOptions): Promise<{ stored: number; successRate: number }> {
  const log = o.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const agentId = o.agentId ?? 'quickstart-agent';
  const admin = createClient({ url: o.url, key: o.adminKey });

  // 1. The roster: an owner, and the agent itself (admin and operator keys can do this).
  await admin.members.create({ member_id: 'quickstart-owner', name: 'Quinn Owner', kind: 'human' }).catch(ignoreConflict);
  await admin.agents
    .create({
      agent_id: agentId,
      agent_name: 'Quickstart agent',
      agent_type: 'specialist',
      capability_tags: ['codegen'],
      model_profile: 'fast',
      owner_id: 'quickstart-owner',
      team_id: 'quickstart',
      priority_tier: 'P1',
      risk_level: 'low',
      cost_budget_daily: 5,
    })
    .catch(ignoreConflict);
  const agentInfo = await admin.agents.get(agentId);
  if (agentInfo.current_state === 'registered') await admin.agents.transition(agentId, 'ready', 'quickstart');

  // 2. The agent's own key: it may report only for itself.
  const { key } = await admin.keys.create({ role: 'agent', agent_id: agentId, label: `${agentId} (quickstart)` });

  // 3. What the agent embeds. Heartbeats start at once and follow the P1 cadence (180 s).
  const agent = createClient({ url: o.url, key }).agent(agentId, {
    tier: 'P1',
    summary: 'warming up',
    onError: (err, where) => log(`(${where} will be retried: ${err.message})`),
  });
  agent.start();

  // A sync function: its value comes straight back; duration, CPU and memory are recorded.
  const sum = agent.track('sum', () => [1, 2, 3].reduce((a, b) => a + b, 0));
  log(`sum = ${sum}`);

  // An async function that knows its tokens and cost (an LLM call, say).
  agent.setStatus({ work_mode: 'executing', summary: 'drafting a plan' });
  const plan = await agent.track(
    'draft-plan',
    async (inv) => {
      await new Promise((r) => setTimeout(r, 20));
      inv.report({ tokens_used: 812, cost_usd: 0.0041, outcome_summary: 'three steps' });
      return ['read', 'change', 'test'];
    },
    { task_description: 'Refactor the config loader', context: { file_count: 3 } },
  );
  log(`plan = ${plan.join(' → ')}`);

  // A failure is recorded as one, and the error still reaches the caller unchanged.
  try {
    await agent.track('flaky-tool', async () => {
      throw new Error('tool timed out');
    });
  } catch (err) {
    log(`caught: ${(err as Error).message}`);
  }

  // 4. Send what is buffered (normally the SDK does this in the background and on exit).
  agent.setStatus({ work_mode: 'idle', summary: 'done for now' });
  await agent.flush();
  log(`stats: ${JSON.stringify(agent.stats)}`);

  // 5. Read it back as a manager would.
  const metrics = await admin.agents.metrics(agentId, { period: 'hourly' });
  log(`last hour: ${metrics.total_invocations} invocations, success rate ${metrics.success_rate}, efficiency ${metrics.efficiency_score}`);
  const recent = await admin.invocations.list({ agent_id: agentId, limit: 3 });
  for (const i of recent.items) log(`  ${i.started_at} ${i.name} ${i.outcome} ${i.execution_time_ms} ms`);

  await agent.stop();
  return { stored: metrics.total_invocations, successRate: metrics.success_rate };
}

function ignoreConflict(err: unknown): void {
  if (!(err instanceof AetherBoardError && err.code === 'conflict')) throw err;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '')) {
  const adminKey = process.env.AETHERBOARD_KEY;
  if (!adminKey) {
    process.stderr.write('set AETHERBOARD_KEY to a root or admin key\n');
    process.exit(1);
  }
  quickstart({ url: process.env.AETHERBOARD_URL ?? 'http://127.0.0.1:7070', adminKey }).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
