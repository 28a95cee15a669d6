import { Option, type Command } from 'commander';
import { AgentState, AgentType, Health, PriorityTier, RiskLevel } from '@aetherboard/contracts';
import { type Agent, type AgentListQuery, type CreateAgentInput, type Transition } from '@aetherboard/sdk';
import { connect, run, withApi, type Flags } from '../lib/api.js';
import { CliError, EXIT } from '../lib/exit.js';
import { listPages, withPages, type PageFlags } from '../lib/list.js';
import { decimal, list } from '../lib/parse.js';
import { printFields, printJson, printTable, time, type Column } from '../lib/output.js';

export const STATES = AgentState.options;
const HEALTH = Health.options;
export const TIERS = PriorityTier.options;

export const AGENT_COLUMNS: Column<Agent>[] = [
  { header: 'agent', get: (a) => a.agent_id },
  { header: 'state', get: (a) => a.current_state },
  { header: 'health', get: (a) => a.health },
  { header: 'tier', get: (a) => a.priority_tier },
  { header: 'owner', get: (a) => a.owner_id },
  { header: 'pod', get: (a) => a.pod_id },
  { header: 'last seen', get: (a) => time(a.last_seen_at) },
  { header: 'summary', get: (a) => a.last_summary, max: 48 },
];

export function agentFields(a: Agent): Array<readonly [string, unknown]> {
  return [
    ['agent', a.agent_id],
    ['name', a.agent_name],
    ['type', a.agent_type],
    ['state', `${a.current_state} since ${time(a.state_changed_at)}`],
    ['health', a.health_reason ? `${a.health} (${a.health_reason})` : a.health],
    ['tier', a.priority_tier],
    ['risk', a.risk_level],
    ['owner', a.owner_id],
    ['secondary owner', a.secondary_owner_id],
    ['team', a.team_id],
    ['pod', a.pod_id],
    ['role', a.role],
    ['capabilities', a.capability_tags],
    ['model profile', a.model ? `${a.model_profile} (${a.model})` : a.model_profile],
    ['daily budget', a.cost_budget_daily === null ? null : `$${a.cost_budget_daily}`],
    ['last seen', a.last_seen_at ? `${time(a.last_seen_at)} (${a.last_status ?? '-'}, ${a.last_work_mode ?? '-'})` : null],
    ['summary', a.last_summary],
    ['errors (1h)', a.error_count],
    ['tasks', `${a.metrics.total_tasks} (${a.metrics.successful_tasks} ok, ${a.metrics.failed_tasks} failed)`],
    ['fired', a.fired_count > 0 ? `${a.fired_count} time(s), last: ${a.fire_history.at(-1)?.reason ?? '-'}` : 0],
    ['created', time(a.created_at)],
    ['notes', a.notes],
  ];
}

interface LsFlags extends PageFlags {
  state?: string;
  health?: string;
  team?: string;
  pod?: string;
  tier?: string;
  owner?: string;
}

interface CreateFlags {
  name?: string;
  type: string;
  capabilities: string[];
  modelProfile: string;
  model?: string;
  owner: string;
  secondaryOwner?: string;
  team: string;
  pod?: string;
  role?: string;
  tier: string;
  risk: string;
  budget?: number;
  notes?: string;
}

export function registerAgents(program: Command): void {
  const agents = program.command('agents').description('list, show and register agents');

  withApi(
    withPages(agents
      .command('ls', { isDefault: true })
      .alias('list')
      .description('list agents, filtered by state, health, team, pod, tier or owner')
      .addOption(new Option('--state <state>', 'lifecycle state').choices(STATES))
      .addOption(new Option('--health <health>', 'health').choices(HEALTH))
      .option('--team <team_id>', 'team')
      .option('--pod <pod_id>', 'pod')
      .addOption(new Option('--tier <tier>', 'priority tier').choices(TIERS))
      .option('--owner <member_id>', 'owner')),
  ).action(
    run(async (f: Flags<LsFlags>) => {
      const client = connect(f);
      const q: AgentListQuery = {
        state: f.state as AgentListQuery['state'],
        health: f.health as AgentListQuery['health'],
        team_id: f.team,
        pod_id: f.pod,
        priority_tier: f.tier as AgentListQuery['priority_tier'],
        owner_id: f.owner,
        limit: f.limit,
        cursor: f.cursor,
      };
      const items = await listPages((x: AgentListQuery) => client.agents.list(x), q, { ...f, what: 'agents' });
      if (f.json) printJson(items);
      else printTable(items, AGENT_COLUMNS, '(no agents)');
    }),
  );

  withApi(agents.command('show').description('one agent: roster, state, health, last heartbeat, metrics').argument('<agent_id>')).action(
    run(async (id: string, f: Flags<object>) => {
      const a = await connect(f).agents.get(id);
      if (f.json) printJson(a);
      else printFields(agentFields(a));
    }),
  );

  withApi(
    withPages(
      agents
        .command('history')
        .description("an agent's audit trail: every state change with who, when and why")
        .argument('<agent_id>'),
      'every page (default: the first 50 changes)',
    ),
  ).action(
    run(async (id: string, f: Flags<PageFlags>) => {
      const client = connect(f);
      const items = await listPages((q: { limit?: number; cursor?: string }) => client.agents.transitions(id, q), {}, { ...f, what: 'transitions' });
      if (f.json) printJson(items);
      else
        printTable<Transition>(items, [
          { header: 'at', get: (t) => time(t.at) },
          { header: 'from', get: (t) => t.from },
          { header: 'to', get: (t) => t.to },
          { header: 'actor', get: (t) => t.actor },
          { header: 'reason', get: (t) => t.reason, max: 72 },
        ]);
    }),
  );

  withApi(
    agents
      .command('create')
      .description('register an agent (it starts in state registered; `transition <id> ready` starts monitoring)')
      .argument('[agent_id]', 'the id to use (default: the server makes one)')
      .requiredOption('--owner <member_id>', 'the one accountable owner: a person or a lead agent')
      .requiredOption('--team <team_id>', 'functional team, e.g. platform')
      .addOption(new Option('--tier <tier>', 'priority tier: heartbeat cadence P0 60 s, P1 180 s, P2 600 s').choices(TIERS).makeOptionMandatory())
      .option('--name <name>', 'human-readable name (default: the id)')
      .addOption(new Option('--type <type>', 'agent type').choices(AgentType.options).default('specialist'))
      .option('--capabilities <tags>', 'comma-separated capability tags', list, ['general'])
      .option('--model-profile <profile>', 'runtime/model preset', 'default')
      .option('--model <model>', 'the model it runs on')
      .option('--secondary-owner <member_id>', 'covers for the owner')
      .option('--pod <pod_id>', 'its pod')
      .option('--role <role>', 'e.g. qa or reviewer')
      .addOption(new Option('--risk <level>', 'risk level').choices(RiskLevel.options).default('low'))
      .option('--budget <usd>', 'daily cost budget in USD', decimal(0))
      .option('--notes <text>', 'free-form notes'),
  ).action(
    run(async (id: string | undefined, f: Flags<CreateFlags>) => {
      const client = connect(f);
      const name = f.name ?? id;
      if (!name) throw new CliError('give an agent_id or --name', EXIT.usage);
      const body: CreateAgentInput = {
        agent_id: id,
        agent_name: name,
        agent_type: f.type as CreateAgentInput['agent_type'],
        capability_tags: f.capabilities,
        model_profile: f.modelProfile,
        model: f.model,
        owner_id: f.owner,
        secondary_owner_id: f.secondaryOwner,
        team_id: f.team,
        pod_id: f.pod,
        role: f.role,
        priority_tier: f.tier as CreateAgentInput['priority_tier'],
        risk_level: f.risk as CreateAgentInput['risk_level'],
        cost_budget_daily: f.budget,
        notes: f.notes,
      };
      const a = await client.agents.create(body);
      if (f.json) printJson(a);
      else process.stdout.write(`registered ${a.agent_id} (${a.priority_tier}, owner ${a.owner_id}, state ${a.current_state})\n`);
    }),
  );
}
