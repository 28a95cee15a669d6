import type { AgentState, HeartbeatStatus, WorkMode } from '@aetherboard/sdk';
import type { Rng } from './prng.js';
import type { Tier } from './policy.js';

/**
 * The 3-layer org of seed 000 §2: one workforce manager, pod leads, and pods of 5 ± 2 execution
 * agents grouped by function into teams, with a P0/P1/P2 mix.
 */
export interface FleetSpec {
  agents: number;
  pods: number;
  /** Shares of P0, P1 and P2 agents (any scale). */
  tierMix: [number, number, number];
  /** How many agents take assignments and report invocations; the others stand by, idle, heartbeating. */
  working: number;
  prefix: string;
}

export interface SimPod {
  index: number;
  id: string;
  name: string;
  team: string;
  leadId: string;
  leadName: string;
  fn: string;
  agents: number[];
}

export interface Task {
  assignmentId: string;
  endsAt: number;
  blockAt: number | null;
  unblockAt: number | null;
  blocked: boolean;
}

export interface Invocation {
  at: number;
  tokens: number;
  failed: boolean;
}

export interface SimAgent {
  i: number;
  id: string;
  name: string;
  tier: Tier;
  pod: number;
  team: string;
  type: 'main' | 'subagent' | 'specialist' | 'watcher';
  profile: string;
  capabilities: string[];
  risk: 'low' | 'medium' | 'high';
  /** What an hour of executing costs it, in USD. */
  ratePerHour: number;
  working: boolean;

  /** What the simulator believes the server holds; re-read from the server after every fault. */
  state: AgentState;
  status: HeartbeatStatus;
  mode: WorkMode;
  summary: string | null;
  latencyMs: number;
  /** Sends nothing while true (down, silent, dark). */
  silent: boolean;
  /** Tick of its next heartbeat, or -1. */
  beatTick: number;
  lastBeatAt: number;
  /** Tick it next has something to do (work, invocations), or -1. */
  wakeTick: number;
  task: Task | null;
  taskSeq: number;
  nextTaskAt: number;
  nextInvocationAt: number;
  /** Invocations of the last hour: its error count and token burn come from these. */
  recent: Invocation[];
  faultId: number | null;
  /** Not a fault target again before this. */
  cooldownUntil: number;
  /** When the server will have recorded breaches for it: three in 24 h make it critical. */
  breaches: number[];
  /** Gets no new work before this (its health is critical after repeated breaches). */
  benchedUntil: number;
}

const TEAM_NAMES = ['platform', 'growth', 'support', 'research', 'data', 'security', 'payments', 'search', 'mobile', 'infra', 'billing', 'identity'];
const FUNCTIONS: Array<{ fn: string; tags: string[] }> = [
  { fn: 'codegen', tags: ['codegen', 'refactoring'] },
  { fn: 'qa', tags: ['qa', 'testing'] },
  { fn: 'research', tags: ['web_research', 'summarisation'] },
  { fn: 'ops', tags: ['ops', 'incident_triage'] },
  { fn: 'data', tags: ['data', 'sql'] },
  { fn: 'support', tags: ['support', 'triage'] },
];
const LEAD_NAMES = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Frances', 'Donald', 'Radia', 'Ken', 'Margaret', 'Dennis', 'Katherine', 'John', 'Hedy', 'Linus', 'Annie'];
export const PROFILES: ReadonlyArray<readonly [string, number, number]> = [
  // name, share, USD per executing hour
  ['fast', 50, 0.4],
  ['balanced', 35, 0.9],
  ['deep', 15, 2.2],
];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export interface Fleet {
  managerId: string;
  managerName: string;
  teams: string[];
  pods: SimPod[];
  agents: SimAgent[];
}

/** Pod sizes around agents/pods, each kept within ±2 of the mean, shuffled by the seed. */
function podSizes(agents: number, pods: number, rng: Rng): number[] {
  const base = Math.floor(agents / pods);
  const sizes = Array.from({ length: pods }, (_, i) => base + (i < agents % pods ? 1 : 0));
  const lo = Math.max(1, base - 2);
  const hi = base + 2;
  for (let k = 0; k < pods; k++) {
    const a = rng.int(0, pods - 1);
    const b = rng.int(0, pods - 1);
    if (a !== b && sizes[a]! > lo && sizes[b]! < hi) {
      sizes[a]! -= 1;
      sizes[b]! += 1;
    }
  }
  return sizes;
}

export function buildFleet(spec: FleetSpec, rng: Rng): Fleet {
  const { prefix } = spec;
  const teamCount = Math.max(1, Math.ceil(spec.pods / 4));
  const teams = Array.from({ length: teamCount }, (_, i) => (i < TEAM_NAMES.length ? TEAM_NAMES[i]! : `team-${pad(i + 1, 3)}`));
  const podWidth = Math.max(2, String(spec.pods).length);
  const agentWidth = Math.max(3, String(spec.agents).length);
  const sizes = podSizes(spec.agents, spec.pods, rng);
  const pods: SimPod[] = [];
  const agents: SimAgent[] = [];
  const [w0, w1, w2] = spec.tierMix;
  // Work goes to a spread of agents across pods, not to the first pods only.
  const workers = new Set(rng.shuffle(Array.from({ length: spec.agents }, (_, i) => i)).slice(0, spec.working));
  for (let p = 0; p < spec.pods; p++) {
    const team = teams[Math.floor(p / 4) % teams.length]!;
    const fn = FUNCTIONS[p % FUNCTIONS.length]!;
    const n = pad(p + 1, podWidth);
    const lead = LEAD_NAMES[p % LEAD_NAMES.length]!;
    const pod: SimPod = {
      index: p,
      id: `${prefix}pod-${n}`,
      name: `${team} ${fn.fn} ${n}`,
      team,
      leadId: `${prefix}lead-${n}`,
      leadName: `${lead} (lead, pod ${n})`,
      fn: fn.fn,
      agents: [],
    };
    for (let k = 0; k < sizes[p]!; k++) {
      const i = agents.length;
      const tier = rng.weighted<Tier>([
        ['P0', w0],
        ['P1', w1],
        ['P2', w2],
      ]);
      const profile = rng.weighted(PROFILES.map(([name, share]) => [name, share] as const));
      const rate = PROFILES.find(([name]) => name === profile)![2] * rng.range(0.8, 1.25);
      agents.push({
        i,
        id: `${prefix}agent-${pad(i + 1, agentWidth)}`,
        name: `${fn.fn}-${pad(i + 1, agentWidth)}`,
        tier,
        pod: p,
        team,
        type: rng.weighted([
          ['specialist', 80],
          ['subagent', 14],
          ['watcher', 6],
        ] as const),
        profile,
        capabilities: fn.tags,
        risk: rng.weighted([
          ['low', 60],
          ['medium', 30],
          ['high', 10],
        ] as const),
        ratePerHour: Math.round(rate * 1000) / 1000,
        working: workers.has(i),
        state: 'registered',
        status: 'ok',
        mode: 'idle',
        summary: null,
        latencyMs: rng.int(300, 1500),
        silent: false,
        beatTick: -1,
        lastBeatAt: Number.NEGATIVE_INFINITY,
        wakeTick: -1,
        task: null,
        taskSeq: 0,
        nextTaskAt: Number.POSITIVE_INFINITY,
        nextInvocationAt: Number.POSITIVE_INFINITY,
        recent: [],
        faultId: null,
        cooldownUntil: 0,
        breaches: [],
        benchedUntil: 0,
      });
      pod.agents.push(i);
    }
    pods.push(pod);
  }
  return { managerId: `${prefix}manager`, managerName: 'Morgan (workforce manager)', teams, pods, agents };
}

export function tierCounts(agents: readonly SimAgent[]): Record<Tier, number> {
  const c: Record<Tier, number> = { P0: 0, P1: 0, P2: 0 };
  for (const a of agents) c[a.tier] += 1;
  return c;
}
