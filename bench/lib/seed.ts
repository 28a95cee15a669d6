/**
 * Fast fleet set-up for the benchmarks (registering a million agents through the API would take
 * the whole time budget). The rows are the ones registerAgent() writes, moved to `ready` the way
 * a transition does, with health and next deadline decided by the product's own liveness rules,
 * so the engine finds exactly what it would have written itself. Agent i has tier
 * `tiers[i % tiers.length]` and was last seen `i % lastSeenSpreadS` seconds before `now` (or
 * never), so the rules are applied once per combination in JS and the rows are generated inside
 * SQLite: a million agents take seconds, not minutes.
 */
import type { PriorityTier } from '@aetherboard/contracts';
import { hashKey } from '../../packages/server/src/api/principal.js';
import { planLiveness } from '../../packages/server/src/domain/liveness.js';
import type { LivenessPolicy } from '../../packages/server/src/domain/policy.js';
import { newAgentRow } from '../../packages/server/src/service/agents.js';
import type { AgentRow } from '../../packages/server/src/store/agents.js';
import type { Database } from '../../packages/server/src/store/db.js';

export const WS = 'default';
export const OWNER = 'owner';
export const TEAM = 'platform';

/** Agent ids; SQLite's printf('agent-%07d', i) makes the same ones. */
export const agentId = (i: number): string => `agent-${String(i).padStart(7, '0')}`;
const SQL_AGENT_ID = "printf('agent-%07d', n.i)";

/** One P0, three P1 and six P2 in every ten, as in a typical fleet. */
export const MIXED_TIERS: PriorityTier[] = ['P0', 'P1', 'P1', 'P1', 'P2', 'P2', 'P2', 'P2', 'P2', 'P2'];

export interface FleetSpec {
  count: number;
  now: number;
  policy: LivenessPolicy;
  tiers: PriorityTier[];
  /** null: no agent has reported yet; n: agent i was last seen (i % n) seconds before `now`. */
  lastSeenSpreadS: number | null;
  /** When monitoring started (the move to `ready`), for every agent. */
  monitorSince: number;
  /** Rows per transaction. */
  chunk?: number;
}

/** The row registerAgent() writes, moved to `ready`; per-agent columns are filled in by SQL. */
function templateRow(spec: FleetSpec): AgentRow {
  const since = spec.monitorSince;
  const registered = newAgentRow(
    WS,
    '',
    { agent_name: '', agent_type: 'specialist', capability_tags: ['codegen'], model_profile: 'balanced', owner_id: OWNER, team_id: TEAM, priority_tier: 'P2', risk_level: 'low' },
    since,
  );
  return { ...registered, priority_tier: '', current_state: 'ready', health: '', health_reason: null, monitor_since: since };
}

const PER_AGENT: Partial<Record<keyof AgentRow, string>> = {
  agent_id: SQL_AGENT_ID,
  agent_name: SQL_AGENT_ID,
  priority_tier: 'p.tier',
  health: 'p.health',
  health_reason: 'p.reason',
  next_deadline: 'p.next_deadline',
  last_seen_at: 'p.last_seen_at',
  last_status: "CASE WHEN p.last_seen_at IS NULL THEN NULL ELSE 'ok' END",
  last_work_mode: "CASE WHEN p.last_seen_at IS NULL THEN NULL ELSE 'idle' END",
};

/**
 * Registers `count` monitored agents (each also a member, as registration makes them) and their
 * owner. The agents table's secondary indexes are dropped during the load and re-created from
 * their own stored definitions afterwards: building an index once is far cheaper than growing it
 * a row at a time, and the schema ends up exactly as the migrations made it.
 */
export function seedFleet(database: Database, spec: FleetSpec): void {
  const raw = database.sqlite!;
  const T = spec.tiers.length;
  const S = spec.lastSeenSpreadS ?? 1;
  raw.exec('CREATE TEMP TABLE seed_plan (t INTEGER, s INTEGER, tier TEXT, last_seen_at INTEGER, health TEXT, reason TEXT, next_deadline INTEGER, PRIMARY KEY (t, s))');
  const plan = raw.prepare('INSERT INTO seed_plan VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (let t = 0; t < T; t++) {
    for (let sp = 0; sp < S; sp++) {
      const tier = spec.tiers[t]!;
      const lastSeenAt = spec.lastSeenSpreadS === null ? null : spec.now - sp * 1000;
      const p = planLiveness(
        {
          state: 'ready',
          stateChangedAt: spec.monitorSince,
          tier,
          lastSeenAt,
          monitorSince: spec.monitorSince,
          lastStatus: lastSeenAt === null ? null : 'ok',
          errorCount1h: 0,
          blockedSince: null,
          breachTimes: [],
        },
        spec.policy,
        spec.now,
      );
      if (p.health !== 'healthy') throw new Error(`seed: a ${tier} agent last seen at ${lastSeenAt} would be ${p.health} (${p.reason})`);
      plan.run(t, sp, tier, lastSeenAt, p.health, p.reason, p.nextDeadline);
    }
  }

  const template = templateRow(spec);
  const cols = Object.keys(template) as Array<keyof AgentRow>;
  const constants: unknown[] = [];
  const exprs = cols.map((c) => PER_AGENT[c] ?? (constants.push(template[c]), '?'));
  const numbers = 'WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)';
  const agents = raw.prepare(
    `${numbers} INSERT INTO agents (${cols.join(', ')}) SELECT ${exprs.join(', ')} FROM n JOIN seed_plan p ON p.t = n.i % ${T} AND p.s = n.i % ${S}`,
  );
  const members = raw.prepare(
    `${numbers} INSERT INTO members (workspace_id, member_id, name, kind, email, status, created_at, updated_at)
     SELECT ?, ${SQL_AGENT_ID}, ${SQL_AGENT_ID}, 'agent', NULL, 'active', ?, ? FROM n`,
  );
  raw.prepare(`INSERT INTO members (workspace_id, member_id, name, kind, email, status, created_at, updated_at) VALUES (?, ?, ?, 'human', NULL, 'active', ?, ?)`).run(WS, OWNER, 'Olive Owner', spec.now, spec.now);

  const indexes = raw.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'agents' AND sql IS NOT NULL`).all() as Array<{ name: string; sql: string }>;
  for (const ix of indexes) raw.exec(`DROP INDEX "${ix.name}"`);
  const chunk = spec.chunk ?? 100_000;
  const write = raw.transaction((from: number, to: number) => {
    agents.run(from, to, ...constants);
    members.run(from, to, WS, spec.monitorSince, spec.monitorSince);
  });
  for (let i = 0; i < spec.count; i += chunk) write(i, Math.min(spec.count, i + chunk));
  for (const ix of indexes) raw.exec(ix.sql);
  raw.exec('DROP TABLE seed_plan');
  // Measurements start from a checkpointed file, as after a restart, not mid-way through the load's WAL.
  raw.pragma('wal_checkpoint(TRUNCATE)');
}

/** API keys as POST /api/keys stores them (hashed); returns the secrets, in order. */
export function seedKeys(database: Database, n: number, role: 'agent' | 'operator', now: number): string[] {
  const raw = database.sqlite!;
  const insert = raw.prepare(
    `INSERT INTO api_keys (key_id, workspace_id, role, agent_id, member_id, label, hash, created_at, revoked_at, last_used_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, NULL, NULL)`,
  );
  const secrets: string[] = [];
  raw.transaction(() => {
    for (let i = 0; i < n; i++) {
      const secret = `ab_bench_${role}_${String(i).padStart(7, '0')}_0123456789abcdef`;
      const forAgent = role === 'agent' ? agentId(i) : null;
      insert.run(`key_bench_${role}_${i}`, WS, role, forAgent, `bench ${role} ${i}`, hashKey(secret), now);
      secrets.push(secret);
    }
  })();
  return secrets;
}
