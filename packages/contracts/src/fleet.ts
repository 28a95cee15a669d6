import { z } from 'zod';

const Counts = z.record(z.string(), z.number().int());

export const FleetSummary = z.object({
  generated_at: z.string(),
  total_agents: z.number().int(),
  agents_by_state: Counts,
  health: z.object({
    healthy: z.number().int(),
    at_risk: z.number().int(),
    breach: z.number().int(),
    critical: z.number().int(),
    not_monitored: z.number().int(),
  }),
  by_team: z.array(z.object({ team_id: z.string(), agents: z.number().int(), active_assignments: z.number().int(), by_state: Counts })),
  by_pod: z.array(z.object({ pod_id: z.string().nullable(), agents: z.number().int(), active_assignments: z.number().int() })),
  top_blockers: z.array(z.object({ blocker_code: z.string(), count: z.number().int() })),
  throughput: z.array(z.object({ day: z.string(), completed: z.number().int() })),
  cost: z.object({ spent_today_usd: z.number(), budget_daily_usd: z.number(), agents_over_budget: z.number().int() }),
  open_alerts: z.number().int(),
});
export type FleetSummary = z.infer<typeof FleetSummary>;
