import type { AetherBoardClient, BatchInvocationInput } from '@aetherboard/sdk';
import type { Fleet } from './fleet.js';
import { chunks, runPool } from './pool.js';

const DAY = 86_400_000;
/** Share of its earlier days an agent spent executing: the trend the burn rule compares with. */
const HISTORY_UTILISATION = 0.85;

/** The org through the API, as an operator would build it: manager, leads, pods, agents, all monitored. */
export async function setupOrg(client: AetherBoardClient, fleet: Fleet, ownServer: boolean, concurrency: number, say: (d: string) => void): Promise<void> {
  const org = await client.org.get();
  await client.members.create({ member_id: fleet.managerId, name: fleet.managerName, kind: 'human' });
  // Someone else's workspace keeps its workforce manager (unless it has none); our own gets ours.
  if (ownServer || !org.manager_id) await client.org.setManager(fleet.managerId);
  const step = async <T>(what: string, xs: readonly T[], fn: (x: T) => Promise<unknown>) => {
    let done = 0;
    say(`${what} 0/${xs.length}`);
    const every = Math.max(1, Math.floor(xs.length / 50));
    await runPool(
      xs.map((x) => async () => {
        await fn(x);
        if (++done % every === 0) say(`${what} ${done}/${xs.length}`);
      }),
      concurrency,
    );
  };
  await step('adding pod leads', fleet.pods, (p) => client.members.create({ member_id: p.leadId, name: p.leadName, kind: 'human' }));
  await step('creating pods', fleet.pods, (p) => client.pods.create({ pod_id: p.id, name: p.name, team_id: p.team, lead_id: p.leadId }));
  await step('registering agents', fleet.agents, (a) =>
    client.agents.create({
      agent_id: a.id,
      agent_name: a.name,
      agent_type: a.type,
      capability_tags: a.capabilities,
      model_profile: a.profile,
      owner_id: fleet.pods[a.pod]!.leadId,
      team_id: a.team,
      pod_id: fleet.pods[a.pod]!.id,
      priority_tier: a.tier,
      risk_level: a.risk,
      notes: a.working ? 'simulated: takes assignments' : 'simulated: stands by',
    }),
  );
  await step('moving agents to ready', fleet.agents, (a) => client.agents.transition(a.id, 'ready', 'simulation: start monitoring'));
}

/**
 * A week of spend at each working agent's usual rate, so that burn is judged against a trend (the
 * anomaly rule compares the last hour with the previous seven days).
 */
export async function backfillHistory(client: AetherBoardClient, fleet: Fleet, start: number, say: (d: string) => void): Promise<void> {
  const items: BatchInvocationInput[] = [];
  for (const a of fleet.agents) {
    if (!a.working) continue;
    for (let d = 0; d < 7; d++) {
      const at = start - (d + 0.5) * DAY;
      const cost = 24 * a.ratePerHour * HISTORY_UTILISATION;
      items.push({
        invocation_id: `${a.id}.h${d}`,
        agent_id: a.id,
        name: 'history',
        task_description: 'a day of earlier work (simulated history)',
        started_at: new Date(at).toISOString(),
        completed_at: new Date(at + 60_000).toISOString(),
        success: true,
        execution_time_ms: 60_000,
        tokens_used: Math.round(cost * 100_000),
        cost_usd: Math.round(cost * 1e4) / 1e4,
      });
    }
  }
  const batches = chunks(items, 5_000);
  for (let k = 0; k < batches.length; k++) {
    say(`cost history ${k + 1}/${batches.length}`);
    await client.invocations.batch(batches[k]!);
  }
}
