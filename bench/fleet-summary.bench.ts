/**
 * The executive dashboard's one big read, GET /api/fleet/summary, over a large fleet: AGENTS
 * agents (default 1,000,000) on one SQLite server (production wiring), spread over 50 teams and
 * 400 pods, in every lifecycle state and health, one in ten with a daily budget.
 *
 * The summary is requested REPS times through the real HTTP stack (after one warm-up request);
 * the baseline, timed the same way in the same run, is the cheapest read that still looks at
 * every agent: `SELECT count(*) FROM agents WHERE workspace_id = ?` straight on the connection.
 * ratio = summary median / baseline median. There is no target in an issue; the figure is kept in
 * docs/performance.md so a change that makes the dashboard slow at scale shows.
 */
import { HOST, ROOT_KEY, createBenchServer } from './lib/server.js';
import { WS, seedFleet } from './lib/seed.js';
import { median, note, round } from './lib/stats.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1_000_000);
const REPS = Number(process.env.BENCH_REPS ?? 7);

const srv = await createBenchServer();
try {
  const now = srv.clock.now();
  const policy = await srv.app.svc.policies.get(WS);
  note(`seeding ${AGENTS} agents`);
  seedFleet(srv.database, { count: AGENTS, now, policy, tiers: ['P0', 'P1', 'P1', 'P2', 'P2', 'P2'], lastSeenSpreadS: 900, monitorSince: now });
  const raw = srv.database.sqlite!;
  // Spread the fleet the way a real one is: teams, pods, states, healths, some budgets.
  raw.exec(`UPDATE agents SET
    team_id = 'team-' || (rowid % 50),
    pod_id = CASE WHEN rowid % 10 = 0 THEN NULL ELSE 'pod-' || (rowid % 400) END,
    current_state = CASE rowid % 13 WHEN 0 THEN 'blocked' WHEN 1 THEN 'paused' WHEN 2 THEN 'retired' WHEN 3 THEN 'executing' WHEN 4 THEN 'executing' WHEN 5 THEN 'assigned' ELSE current_state END,
    health = CASE rowid % 17 WHEN 0 THEN 'at_risk' WHEN 1 THEN 'breach' WHEN 2 THEN 'critical' ELSE health END,
    cost_budget_daily = CASE WHEN rowid % 10 = 3 THEN 25.0 ELSE NULL END
    WHERE workspace_id = '${WS}'`);
  await srv.app.start();
  const port = await srv.listen();
  const get = async () => {
    const res = await fetch(`http://${HOST}:${port}/api/fleet/summary`, { headers: { authorization: `Bearer ${ROOT_KEY}` } });
    if (res.status !== 200) throw new Error(`fleet summary: ${res.status} ${await res.text()}`);
    return (await res.json()) as { total_agents: number };
  };
  const count = raw.prepare('SELECT count(*) FROM agents WHERE workspace_id = ?').pluck();
  const first = await get();
  if (first.total_agents !== AGENTS) throw new Error(`summary counts ${first.total_agents} agents, seeded ${AGENTS}`);
  const summaryMs: number[] = [];
  const baseMs: number[] = [];
  for (let i = 0; i < REPS; i++) {
    let t = performance.now();
    await get();
    summaryMs.push(performance.now() - t);
    t = performance.now();
    count.get(WS);
    baseMs.push(performance.now() - t);
  }
  process.stdout.write(
    `${JSON.stringify({
      bench: 'fleet-summary',
      agents: AGENTS,
      summary_ms: { median: round(median(summaryMs), 1), min: round(Math.min(...summaryMs), 1), max: round(Math.max(...summaryMs), 1) },
      baseline_count_ms: { median: round(median(baseMs), 1) },
      ratio: round(median(summaryMs) / median(baseMs), 1),
    })}\n`,
  );
} finally {
  await srv.close();
}
