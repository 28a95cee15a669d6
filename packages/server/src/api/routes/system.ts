import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import { iso } from '../../store/codec.js';
import { requireRole } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

const ClockBody = z.object({ now: z.string() });

export function systemRoutes(d: RouteDeps): AnyRoute[] {
  const manualOnly = () => {
    if (!d.manualClock) throw new DomainError('not_found', 'the clock routes exist only when the server runs with --clock manual');
    return d.manualClock;
  };
  return [
    defineRoute({
      method: 'GET',
      url: '/healthz',
      tag: 'system',
      summary: 'Readiness probe: 200 once the server can serve requests',
      access: 'public',
      responses: { 200: { description: 'ready', schema: z.object({ status: z.literal('ok'), version: z.string() }) } },
      handler: async () => ({ body: { status: 'ok', version: d.version } }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/openapi.json',
      tag: 'system',
      summary: 'This OpenAPI document',
      access: 'public',
      responses: { 200: { description: 'OpenAPI 3.1 document' } },
      handler: async () => ({ body: d.openapi() }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/system/status',
      tag: 'system',
      summary: 'This replica: database, engine leadership (PostgreSQL replicas) and engine timing',
      access: 'authenticated',
      roles: 'admin, root',
      responses: {
        200: {
          description: 'status',
          schema: z.object({
            version: z.string(),
            database: z.enum(['sqlite', 'postgres']),
            clock: z.enum(['real', 'manual']),
            engine: z.object({ replica_id: z.string().nullable(), leader: z.boolean(), last_pass_ms: z.number(), lag_ms: z.number(), lease_epoch: z.number().nullable() }),
          }),
        },
      },
      handler: async ({ principal }) => {
        requireRole(principal, 'admin');
        return { body: { version: d.version, database: d.svc.database.dialect, clock: d.svc.clock.kind, engine: d.engine.status() } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/clock',
      tag: 'system',
      summary: 'The manual clock (404 unless the server runs with --clock manual)',
      access: 'authenticated',
      roles: 'any key',
      responses: { 200: { description: 'current time', schema: ClockBody } },
      handler: async () => ({ body: { now: iso(manualOnly().now()) } }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/clock/advance',
      tag: 'system',
      summary: 'Move the manual clock forward, running every evaluation that falls due on the way',
      access: 'authenticated',
      roles: 'admin, root',
      body: z.strictObject({
        ms: z.number().int().min(0).max(366 * 24 * 3_600_000),
        resolution_ms: z
          .number()
          .int()
          .min(0)
          .max(3_600_000)
          .default(0)
          .describe('0 (default) runs every evaluation at its exact moment; a large simulated fleet may trade precision for speed, e.g. 1000'),
      }),
      responses: { 200: { description: 'the new time', schema: ClockBody } },
      handler: async ({ body, principal }) => {
        const clock = manualOnly();
        requireRole(principal, 'admin');
        const target = clock.now() + body.ms;
        // Step from one due moment to the next so evaluations run in order, each at its own time.
        let lastRunAt = Number.NaN;
        for (;;) {
          const timer = clock.nextTimerAt();
          const due = await d.engine.nextDueAt();
          let next = Math.min(due ?? Infinity, timer ?? Infinity);
          if (next > target) break;
          // With a resolution, everything due within one step is evaluated together at its end.
          if (body.resolution_ms > 0) next = Math.min(target, Math.max(next, (Number.isNaN(lastRunAt) ? clock.now() : lastRunAt) + body.resolution_ms));
          const at = Math.max(next, clock.now());
          // Work that stays due after a pass at this very moment (a receiver that keeps failing) waits for the next step.
          if (at === lastRunAt) break;
          clock.setTo(at);
          await d.engine.runDue();
          lastRunAt = at;
        }
        clock.setTo(target);
        await d.engine.runDue();
        return { body: { now: iso(clock.now()) } };
      },
    }),
  ];
}
