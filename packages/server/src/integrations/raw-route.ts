import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../api/auth.js';
import { RateLimited } from '../api/errors.js';
import { DEFAULT_BODY_LIMIT } from '../api/http.js';
import type { Principal } from '../api/principal.js';
import type { RateLimiter } from '../api/rate-limit.js';
import type { AnyRoute, RouteSpec } from '../api/route.js';

interface RawOptions {
  /** A header that may carry the API key instead of `Authorization: Bearer` (exporters set custom headers easily). */
  keyHeader?: string;
}

const RAW = new WeakMap<AnyRoute, RawOptions>();

/**
 * Marks a route whose body arrives as raw bytes (a Buffer, or undefined when there is none): OTLP
 * sends protobuf and gzip, which the JSON parsing of /api must not see. Such routes are still
 * declared with `defineRoute`, so they are documented like every other one.
 */
export function rawBodyRoute<P, Q, B>(spec: RouteSpec<P, Q, B>, opts: RawOptions = {}): RouteSpec<P, Q, B> {
  RAW.set(spec as AnyRoute, opts);
  return spec;
}

export const isRawRoute = (r: AnyRoute): boolean => RAW.has(r);

/**
 * Serves the raw-body routes from an encapsulated context whose only content-type parser hands
 * over the bytes; the root context, and with it every /api route, keeps its JSON parser. Errors
 * reach the root error handler, so refusals keep the contract's `{error}` shape.
 */
export function mountRawRoutes(http: FastifyInstance, routes: AnyRoute[], deps: { auth: Authenticator; limiter: RateLimiter }): void {
  const raw = routes.filter(isRawRoute);
  if (raw.length === 0) return;
  void http.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req: FastifyRequest, body: Buffer | string, done: (err: Error | null, body?: unknown) => void) => done(null, body));
    for (const route of raw) {
      const opts = RAW.get(route) ?? {};
      scope.route({
        method: route.method,
        url: route.url,
        bodyLimit: route.bodyLimit ?? DEFAULT_BODY_LIMIT,
        handler: async (req: FastifyRequest, reply: FastifyReply) => {
          let principal: Principal | undefined;
          if (route.access === 'authenticated') {
            const alt = opts.keyHeader ? req.headers[opts.keyHeader] : undefined;
            if (req.headers.authorization === undefined && typeof alt === 'string' && alt.trim() !== '') req.headers.authorization = `Bearer ${alt.trim()}`;
            principal = await deps.auth.authenticate(req);
            const wait = deps.limiter.take(principal.keyId);
            if (wait > 0) throw new RateLimited(Math.ceil(wait / 1000));
          }
          const res = await route.handler({ params: req.params, query: req.query, body: req.body, principal: principal as Principal, raw: req, reply });
          if (reply.sent) return reply;
          if (res.headers) void reply.headers(res.headers);
          reply.status(res.status ?? 200);
          return res.body === undefined ? reply.send() : reply.send(res.body);
        },
      });
    }
  });
}
