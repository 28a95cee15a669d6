import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import type { Authenticator } from './auth.js';
import { RateLimited, sendError, zodDetails } from './errors.js';
import type { Principal } from './principal.js';
import type { AnyRoute } from './route.js';
import type { RateLimiter } from './rate-limit.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface HttpDeps {
  auth: Authenticator;
  limiter: RateLimiter;
  logger: Logger | false;
  /** Waits until committed writes are on stable storage (SQLite WAL fsync off the event loop). */
  durable?: () => Promise<void>;
}

/** Deeper than any body the API defines; it stops input that would overflow a recursive reader. */
export const MAX_JSON_DEPTH = 64;

/**
 * What the zod schemas cannot express: nesting deep enough to overflow a recursive reader (such
 * as JSON.stringify in a size check), and U+0000, which PostgreSQL text columns refuse, so the
 * same input would be stored on SQLite and fail with a 5xx on PostgreSQL. Iterative, so that the
 * check itself cannot overflow.
 */
export function jsonShapeProblem(value: unknown, where: string): { path: string; message: string } | undefined {
  type Frame = { v: object; depth: number; parent: Frame | undefined; key: string | number };
  const pathOf = (f: Frame | undefined, last?: string): string => {
    const keys: string[] = last === undefined ? [] : [last];
    for (let x = f; x; x = x.parent) if (x.parent) keys.push(String(x.key));
    return [where, ...keys.reverse()].join('.');
  };
  const NUL = 'text must not contain the character U+0000';
  if (typeof value === 'string') return value.includes('\u0000') ? { path: where, message: NUL } : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  // Only containers go on the stack, so a 10,000-beat batch costs one frame per beat.
  const stack: Frame[] = [{ v: value, depth: 1, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (f.depth > MAX_JSON_DEPTH) return { path: pathOf(f), message: `nested more than ${MAX_JSON_DEPTH} levels deep` };
    // Plain loops without per-entry allocations: this runs on every 10,000-beat batch.
    if (Array.isArray(f.v)) {
      const a = f.v as unknown[];
      for (let i = 0; i < a.length; i++) {
        const v = a[i];
        if (typeof v === 'string') {
          if (v.includes('\u0000')) return { path: pathOf(f, String(i)), message: NUL };
        } else if (typeof v === 'object' && v !== null) stack.push({ v, depth: f.depth + 1, parent: f, key: i });
      }
      continue;
    }
    const o = f.v as Record<string, unknown>;
    for (const k in o) {
      if (k.includes('\u0000')) return { path: pathOf(f), message: 'a key must not contain the character U+0000' };
      const v = o[k];
      if (typeof v === 'string') {
        if (v.includes('\u0000')) return { path: pathOf(f, k), message: NUL };
      } else if (typeof v === 'object' && v !== null) stack.push({ v, depth: f.depth + 1, parent: f, key: k });
    }
  }
  return undefined;
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return value as T;
  const problem = jsonShapeProblem(value, where);
  if (problem) throw new DomainError('validation_failed', `${problem.path}: ${problem.message}`, [problem]);
  const r = schema.safeParse(value);
  if (!r.success) {
    const details = zodDetails(r.error, where);
    const first = details[0];
    throw new DomainError('validation_failed', first ? `${first.path || where}: ${first.message}` : `invalid ${where}`, details);
  }
  return r.data;
}

export function buildHttp(routes: AnyRoute[], deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger === false ? undefined : deps.logger,
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Ids and cursors are short; a huge URL is an attack or a bug, not a request.
    routerOptions: { maxParamLength: 512 },
    return503OnClosing: true,
    forceCloseConnections: true,
    // Per-request lines would drown the log at fleet heartbeat rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // A URL that cannot be decoded or routed still gets the contract's `{error}` shape.
    frameworkErrors: (err, req, reply) => sendError(reply, req, err),
  }) as unknown as FastifyInstance;

  app.setErrorHandler((err, req, reply) => sendError(reply, req, err));
  // A write is acknowledged only once it is durable. Refusals changed nothing and need no wait.
  app.addHook('onSend', async (req, reply, payload) => {
    if (!deps.durable || req.method === 'GET' || req.method === 'HEAD' || reply.statusCode >= 400) return payload;
    if ((req.routeOptions.config as { selfDurable?: boolean } | undefined)?.selfDurable) return payload;
    await deps.durable();
    return payload;
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, req, new DomainError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`)));

  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      bodyLimit: route.bodyLimit ?? DEFAULT_BODY_LIMIT,
      config: { selfDurable: route.selfDurable === true },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        let principal: Principal | undefined;
        if (route.access === 'authenticated') {
          principal = await deps.auth.authenticate(req);
          const wait = deps.limiter.take(principal.keyId);
          if (wait > 0) throw new RateLimited(Math.ceil(wait / 1000));
        }
        const params = parse(route.params, req.params, 'params');
        const query = parse(route.query, req.query, 'query');
        let rawBody = req.body;
        if (route.body && (rawBody === undefined || rawBody === null) && route.bodyRequired === false) rawBody = {};
        if (route.body && rawBody === undefined) throw new DomainError('validation_failed', 'a JSON request body is required');
        const body = route.fastBody?.(rawBody) ? rawBody : parse(route.body, rawBody, 'body');
        const res = await route.handler({ params, query, body, principal: principal as Principal, raw: req, reply });
        if (reply.sent) return reply;
        if (res.headers) void reply.headers(res.headers);
        reply.status(res.status ?? 200);
        return res.body === undefined ? reply.send() : reply.send(res.body);
      },
    });
  }
  return app;
}
