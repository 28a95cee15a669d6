import type { Call } from './client.js';

const MIN = 60_000;
const DAY = 86_400_000;

type Tier = 'P0' | 'P1' | 'P2';
type Target = 'registered' | 'ready' | 'assigned' | 'executing' | 'blocked' | 'degraded' | 'escalated' | 'paused' | 'fired';

interface AgentPlan {
  id: string;
  pod: string;
  team: string;
  tier: Tier;
  type: 'main' | 'subagent' | 'specialist' | 'watcher';
  tags: string[];
  owner: string;
  secondary?: string;
  target: Target;
  budget?: number;
  /** Minutes before the end of the seed at which it stops heartbeating (it goes silent). */
  silentFor?: number;
  beat?: { status?: 'ok' | 'degraded' | 'blocked'; queue: number; errors: number; latency: number; tokens: number; says: string[] };
}

const PODS = [
  { pod_id: 'pod-research', name: 'Research', team_id: 'research', lead_id: 'ava' },
  { pod_id: 'pod-build', name: 'Build', team_id: 'platform', lead_id: 'ben' },
  { pod_id: 'pod-ops', name: 'Operations', team_id: 'platform', lead_id: 'cleo' },
  { pod_id: 'pod-support', name: 'Support', team_id: 'support', lead_id: 'dev' },
];

const MEMBERS = [
  ['morgan', 'Morgan Reyes'],
  ['ava', 'Ava Lindqvist'],
  ['ben', 'Ben Okafor'],
  ['cleo', 'Cleo Martins'],
  ['dev', 'Dev Patel'],
  ['olive', 'Olive Chen'],
  ['omar', 'Omar Haddad'],
  ['pia', 'Pia Novak'],
] as const;

const b = (queue: number, errors: number, latency: number, tokens: number, says: string[], status?: 'ok' | 'degraded' | 'blocked') => ({ queue, errors, latency, tokens, says, status });

/** A fleet with something to see in every widget: each state, each health, blockers, gaps, alerts. */
export const PLAN: AgentPlan[] = [
  { id: 'research-01', pod: 'pod-research', team: 'research', tier: 'P1', type: 'specialist', tags: ['web_research'], owner: 'olive', secondary: 'ava', target: 'executing', budget: 40, beat: b(4, 0, 820, 41_000, ['Surveying vector database benchmarks', 'Summarising 12 papers on retrieval evaluation']) },
  { id: 'research-02', pod: 'pod-research', team: 'research', tier: 'P1', type: 'specialist', tags: ['web_research', 'qa'], owner: 'olive', secondary: 'ava', target: 'executing', budget: 40, beat: b(7, 2, 1150, 56_000, ['Comparing pricing pages of five vendors', 'Drafting the competitor matrix']) },
  { id: 'research-03', pod: 'pod-research', team: 'research', tier: 'P1', type: 'subagent', tags: ['web_research'], owner: 'omar', secondary: 'ava', target: 'blocked', beat: b(2, 0, 640, 9_000, ['Waiting for the interview transcripts'], 'blocked') },
  { id: 'research-04', pod: 'pod-research', team: 'research', tier: 'P2', type: 'subagent', tags: ['web_research'], owner: 'omar', target: 'ready', beat: b(0, 0, 300, 1_200, ['Idle, ready for work']) },
  { id: 'research-05', pod: 'pod-research', team: 'research', tier: 'P2', type: 'subagent', tags: ['web_research'], owner: 'omar', secondary: 'ava', target: 'paused' },
  { id: 'research-06', pod: 'pod-research', team: 'research', tier: 'P1', type: 'specialist', tags: ['web_research', 'codegen'], owner: 'olive', secondary: 'ava', target: 'assigned', budget: 25, beat: b(3, 0, 500, 4_000, ['Reading the brief for the pricing study']) },
  { id: 'build-bot-1', pod: 'pod-build', team: 'platform', tier: 'P0', type: 'specialist', tags: ['codegen'], owner: 'olive', secondary: 'ben', target: 'executing', budget: 60, beat: b(12, 1, 2300, 88_000, ['Refactoring the billing module', 'Running the integration suite', 'Fixing 3 failing tests in billing']) },
  { id: 'build-bot-2', pod: 'pod-build', team: 'platform', tier: 'P0', type: 'specialist', tags: ['codegen'], owner: 'olive', secondary: 'ben', target: 'executing', budget: 60, silentFor: 5, beat: b(18, 9, 4100, 120_000, ['Migrating the orders table', 'Retrying the migration after a lock timeout']) },
  { id: 'build-bot-3', pod: 'pod-build', team: 'platform', tier: 'P0', type: 'specialist', tags: ['codegen', 'qa'], owner: 'omar', secondary: 'ben', target: 'degraded', budget: 50, beat: b(9, 14, 6800, 97_000, ['Tool calls timing out against the package mirror', 'Falling back to the cached toolchain'], 'degraded') },
  { id: 'build-bot-4', pod: 'pod-build', team: 'platform', tier: 'P0', type: 'subagent', tags: ['codegen'], owner: 'omar', secondary: 'ben', target: 'blocked', beat: b(6, 5, 900, 12_000, ['Compiler crashes on the generated protobufs'], 'blocked') },
  { id: 'build-bot-5', pod: 'pod-build', team: 'platform', tier: 'P1', type: 'subagent', tags: ['codegen'], owner: 'pia', target: 'escalated', beat: b(5, 3, 1200, 15_000, ['Escalated: need a decision on the API break']) },
  { id: 'build-bot-6', pod: 'pod-build', team: 'platform', tier: 'P1', type: 'subagent', tags: ['codegen'], owner: 'olive', secondary: 'ben', target: 'ready', beat: b(0, 0, 280, 800, ['Idle, ready for work']) },
  { id: 'ops-watch-1', pod: 'pod-ops', team: 'platform', tier: 'P0', type: 'watcher', tags: ['ops'], owner: 'cleo', secondary: 'omar', target: 'executing', budget: 15, beat: b(1, 0, 150, 6_000, ['Watching the deploy pipeline', 'All 14 services green']) },
  { id: 'ops-watch-2', pod: 'pod-ops', team: 'platform', tier: 'P0', type: 'watcher', tags: ['ops'], owner: 'cleo', target: 'executing', budget: 15, silentFor: 3, beat: b(2, 1, 210, 7_500, ['Watching queue latency in eu-west']) },
  { id: 'ops-deploy-1', pod: 'pod-ops', team: 'platform', tier: 'P0', type: 'specialist', tags: ['ops'], owner: 'cleo', secondary: 'omar', target: 'executing', budget: 30, beat: b(8, 0, 1900, 33_000, ['Rolling out 2.14 to the canary ring', 'Canary healthy, promoting to 25 %']) },
  { id: 'ops-deploy-2', pod: 'pod-ops', team: 'platform', tier: 'P1', type: 'specialist', tags: ['ops'], owner: 'cleo', secondary: 'omar', target: 'blocked', beat: b(4, 0, 700, 5_000, ['Waiting on the DNS change ticket'], 'blocked') },
  { id: 'ops-deploy-3', pod: 'pod-ops', team: 'platform', tier: 'P1', type: 'specialist', tags: ['ops'], owner: 'cleo', target: 'registered' },
  { id: 'ops-deploy-4', pod: 'pod-ops', team: 'platform', tier: 'P1', type: 'specialist', tags: ['ops'], owner: 'cleo', secondary: 'omar', target: 'fired' },
  { id: 'support-01', pod: 'pod-support', team: 'support', tier: 'P2', type: 'main', tags: ['support'], owner: 'dev', secondary: 'olive', target: 'executing', budget: 20, beat: b(22, 0, 950, 21_000, ['Answering 22 queued tickets', 'Triaging refund requests']) },
  { id: 'support-02', pod: 'pod-support', team: 'support', tier: 'P2', type: 'subagent', tags: ['support'], owner: 'dev', secondary: 'olive', target: 'executing', budget: 20, beat: b(35, 4, 1300, 30_000, ['Backlog growing: 35 tickets waiting', 'Drafting replies for billing questions']) },
  { id: 'support-03', pod: 'pod-support', team: 'support', tier: 'P2', type: 'subagent', tags: ['support'], owner: 'dev', secondary: 'olive', target: 'assigned', beat: b(3, 0, 400, 2_000, ['Picking up the enterprise queue']) },
  { id: 'support-04', pod: 'pod-support', team: 'support', tier: 'P2', type: 'subagent', tags: ['support'], owner: 'dev', target: 'ready', beat: b(0, 2, 2600, 1_500, ['Slow responses from the CRM'], 'degraded') },
  { id: 'support-05', pod: 'pod-support', team: 'support', tier: 'P2', type: 'subagent', tags: ['support'], owner: 'dev', secondary: 'olive', target: 'blocked', beat: b(11, 0, 600, 3_000, ['Refund above the policy limit needs approval'], 'blocked') },
  { id: 'support-06', pod: 'pod-support', team: 'support', tier: 'P2', type: 'subagent', tags: ['support'], owner: 'dev', secondary: 'olive', target: 'executing', budget: 20, beat: b(6, 0, 870, 12_500, ['Closing out solved tickets', 'Writing the weekly support digest']) },
];

const BLOCKERS: Record<string, string> = {
  'research-03': 'waiting_input',
  'build-bot-4': 'tool_error',
  'build-bot-5': 'dependency',
  'ops-deploy-2': 'dependency',
  'support-05': 'policy',
};

/** At which heartbeat step (of 20, a minute apart) each blocked agent's work got stuck. */
const BLOCK_AT: Record<number, string[]> = { 2: ['research-03', 'build-bot-4'], 9: ['build-bot-5', 'ops-deploy-2'], 16: ['support-05'] };

/** Completed assignments per day over the 13 days before today (the throughput trend). */
const HISTORY = [9, 12, 11, 14, 8, 6, 13, 15, 17, 14, 16, 19, 18];

const CONTRACT = {
  scope: 'Migrate the orders table to the partitioned schema without downtime',
  non_goals: ['Changing the public orders API'],
  inputs: ['Schema design doc v3', 'Staging database snapshot'],
  dependencies: ['DBA review of the partition key', 'Maintenance window approval'],
  definition_of_done: ['All rows copied and verified by checksum', 'Reads switched to the new table', 'Old table archived'],
  evidence: ['Checksum report', 'Latency dashboard before and after'],
  rollback: 'Switch reads back to the old table; it stays intact until archived',
};

/** A small contract for routine work (contracts are required for P0/P1 agents). */
const routine = (scope: string) => ({ scope, definition_of_done: ['Reviewed and merged'], rollback: 'Revert the change' });

export interface SeededFleet {
  agents: string[];
  /** Agents registered, so every state is represented; the ids of notable ones for tests. */
  silent: string[];
  now: string;
}

/**
 * Seeds a workspace through the API alone. `advance` moves the server's manual clock (POST
 * /api/clock/advance), so history, heartbeat misses and the alerts they raise happen as they would.
 */
export async function seedFleet(call: Call): Promise<SeededFleet> {
  const advance = (ms: number) => call('POST', '/api/clock/advance', { ms });
  for (const [member_id, name] of MEMBERS) await call('POST', '/api/members', { member_id, name, kind: 'human' });
  for (const p of PODS) await call('POST', '/api/pods', p);
  await call('PUT', '/api/org', { manager_id: 'morgan' });

  for (const a of PLAN) {
    await call('POST', '/api/agents', {
      agent_id: a.id,
      agent_name: a.id,
      agent_type: a.type,
      capability_tags: a.tags,
      model_profile: a.tier === 'P0' ? 'precise' : 'balanced',
      model: a.type === 'watcher' ? 'small-fast-2' : 'large-reasoning-4',
      role: a.type === 'watcher' ? 'monitor' : a.tags.includes('codegen') ? 'developer' : a.tags.includes('support') ? 'support agent' : 'researcher',
      owner_id: a.owner,
      ...(a.secondary ? { secondary_owner_id: a.secondary } : {}),
      team_id: a.team,
      pod_id: a.pod,
      priority_tier: a.tier,
      risk_level: a.tier === 'P0' ? 'high' : a.tier === 'P1' ? 'medium' : 'low',
      ...(a.budget ? { cost_budget_daily: a.budget } : {}),
    });
  }

  // Pia has left: her agent becomes an ownership gap.
  await call('PATCH', '/api/members/pia', { status: 'left' });

  // Two weeks of finished work, one day at a time, while nobody is monitored yet.
  const workers = PLAN.filter((a) => a.target !== 'registered').map((a) => a.id);
  let n = 0;
  for (const done of HISTORY) {
    for (let i = 0; i < done; i++) {
      const agent = workers[n++ % workers.length]!;
      const s = await call('POST', '/api/assignments', { agent_id: agent, workstream_id: `ws-${(n % 7) + 1}`, task_id: `T-${1000 + n}`, role_on_task: 'owner', contract: routine(`Task T-${1000 + n}`) });
      await call('PATCH', `/api/assignments/${s.assignment_id}`, { status: 'done' });
    }
    await advance(DAY);
  }

  // Today: bring the fleet to work. Paths through the lifecycle follow its legal moves.
  const move = async (id: string, ...to: string[]) => {
    for (const t of to) await call('POST', `/api/agents/${id}/transitions`, { to: t, reason: `seed: ${t}` });
  };
  for (const a of PLAN) {
    if (a.target === 'registered') continue;
    await move(a.id, 'ready');
    if (a.target === 'paused') await move(a.id, 'paused');
    if (a.target === 'fired') await call('POST', `/api/agents/${a.id}/fire`, { reason: 'unresponsive', context: 'Stopped answering health checks during the 2.13 rollout' });
    if (['assigned', 'executing', 'blocked', 'degraded', 'escalated'].includes(a.target)) {
      const contract = { contract: a.id === 'build-bot-2' ? CONTRACT : routine(a.beat?.says[0] ?? 'Routine work') };
      await call('POST', '/api/assignments', { assignment_id: `asg-${a.id}`, agent_id: a.id, workstream_id: `ws-${a.pod.slice(4)}`, task_id: `T-${2000 + n++}`, role_on_task: 'owner', due_at: new Date(Date.parse((await call('GET', '/api/clock')).now) + 6 * 3_600_000).toISOString(), ...contract });
      await move(a.id, 'assigned');
    }
    if (['executing', 'blocked', 'degraded', 'escalated'].includes(a.target)) await move(a.id, 'executing');
    if (a.target === 'degraded') await move(a.id, 'degraded');
  }
  // A few assignments completed today, and progress on the rest.
  for (const a of PLAN.filter((p) => p.target === 'executing')) await call('PATCH', `/api/assignments/asg-${a.id}`, { percent_complete: 35 + (a.id.length * 7) % 60 });
  for (let i = 0; i < 11; i++) {
    const agent = workers[i % workers.length]!;
    const plan = PLAN.find((p) => p.id === agent)!;
    if (plan.target === 'fired' || plan.target === 'paused') continue;
    const s = await call('POST', '/api/assignments', { agent_id: agent, workstream_id: 'ws-today', task_id: `T-${3000 + i}`, role_on_task: 'contributor', contract: routine(`Task T-${3000 + i}`) });
    await call('PATCH', `/api/assignments/${s.assignment_id}`, { status: 'done' });
  }

  // Twenty minutes of heartbeats, a minute apart; some agents fall silent near the end.
  const beating = PLAN.filter((a) => a.beat && a.target !== 'registered' && a.target !== 'paused' && a.target !== 'fired');
  const STEPS = 20;
  for (let step = 0; step < STEPS; step++) {
    const left = STEPS - step;
    const beats = beating
      .filter((a) => !a.silentFor || left > a.silentFor)
      .map((a) => {
        const v = a.beat!;
        const wave = Math.sin((step + a.id.length) / 3);
        return {
          agent_id: a.id,
          status: v.status ?? 'ok',
          work_mode: a.target === 'ready' ? 'idle' : a.target === 'blocked' || a.target === 'escalated' ? 'waiting' : 'executing',
          queue_depth: Math.max(0, Math.round(v.queue + wave * 2)),
          // Two agents' errors climb near the end: a rising error trend.
          error_count_1h: v.errors + (step > 14 && (a.id === 'build-bot-3' || a.id === 'build-bot-2') ? (step - 14) * 2 : 0),
          latency_p95_ms: Math.round(v.latency * (1 + wave * 0.15)),
          token_burn_1h: Math.round(v.tokens * (1 + step / 40)),
          summary: v.says[step % v.says.length],
          ...(['executing', 'blocked', 'degraded', 'escalated', 'assigned'].includes(a.target) ? { active_assignment_id: `asg-${a.id}` } : {}),
        };
      });
    await call('POST', '/api/heartbeats', { heartbeats: beats });
    // Blocked work starts at different times so the aging table has a spread.
    for (const id of BLOCK_AT[step] ?? []) {
      await call('PATCH', `/api/assignments/asg-${id}`, { status: 'blocked', blocker_code: BLOCKERS[id] });
      await move(id, 'blocked');
      if (PLAN.find((p) => p.id === id)?.target === 'escalated') await move(id, 'escalated');
    }
    await advance(MIN);
  }

  // Sessions (seed 003) and finished invocations for the performance view.
  const clock = Date.parse((await call('GET', '/api/clock')).now);
  for (const [i, a] of PLAN.filter((p) => p.target === 'executing').entries()) {
    for (const [k, channel] of (['webchat', 'telegram', 'discord'] as const).entries()) {
      if (k > i % 3) break;
      const s = await call('POST', `/api/agents/${a.id}/sessions`, { session_key: `${a.id}-s${k}`, label: `${channel === 'webchat' ? 'Web chat' : channel === 'telegram' ? 'Telegram' : 'Discord'} with ${['Ava', 'Ben', 'Dev'][k]}`, channel, context_summary: a.beat?.says[0] });
      await call('PATCH', `/api/sessions/${s.session_id}`, { message_count: 6 + k * 9 + i, last_message_at: new Date(clock - k * 7 * MIN).toISOString(), ...(k > 0 ? { is_active: false } : {}) });
    }
  }
  const invocations = [];
  for (const a of beating) {
    for (let k = 0; k < 12; k++) {
      invocations.push({
        invocation_id: `inv-${a.id}-${k}`,
        agent_id: a.id,
        name: 'step',
        task_description: a.beat!.says[k % a.beat!.says.length]!,
        started_at: new Date(clock - (k + 1) * 50 * MIN).toISOString(),
        success: (a.beat!.errors + k) % 6 !== 5,
        execution_time_ms: a.beat!.latency * (2 + (k % 4)),
        tokens_used: Math.round(a.beat!.tokens / 6),
        cost_usd: Math.round((a.beat!.tokens / 6) * 0.00003 * 1e4) / 1e4 * (a.id === 'build-bot-2' ? 8 : 1),
      });
    }
  }
  await call('POST', '/api/invocations/batch', { invocations });

  // The ops lead has seen her watcher's breach and is on it.
  const cleo = await call('POST', '/api/keys', { role: 'operator', label: 'cleo', member_id: 'cleo' });
  const opsAlerts = (await call('GET', '/api/alerts?status=open&agent_id=ops-watch-2')).items as Array<{ alert_id: string }>;
  for (const al of opsAlerts) await call('POST', `/api/alerts/${al.alert_id}/ack`, { note: 'Looking into the eu-west network partition' }, cleo.key);
  return { agents: PLAN.map((a) => a.id), silent: PLAN.filter((a) => a.silentFor).map((a) => a.id), now: new Date(clock).toISOString() };
}
