import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Principal } from './principal.js';

export type Access = 'public' | 'authenticated';

export interface Request<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  raw: FastifyRequest;
  reply: FastifyReply;
}

export interface Response {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  tag: string;
  summary: string;
  description?: string;
  /** 'authenticated' routes check the role inside the handler, next to the decision it guards. */
  access: Access;
  /** Who may call it, as shown in the OpenAPI document. */
  roles?: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /**
   * A cheaper check for the hot path: a body it accepts is used as it is, anything else goes to
   * `body`. It must accept only what `body` accepts, and only when `body` would return it unchanged.
   */
  fastBody?: (raw: unknown) => boolean;
  /** When false the body may be absent and is treated as `{}`. */
  bodyRequired?: boolean;
  bodyLimit?: number;
  responses: Record<number, ResponseSpec>;
  /** Kept out of the OpenAPI document (static assets). */
  hidden?: boolean;
  /** The handler itself answers only after its writes are durable (the heartbeat group commit). */
  selfDurable?: boolean;
  handler(req: Request<P, Q, B>): Promise<Response>;
}

/** Helps inference: `defineRoute({...})` types the handler from the schemas. */
export function defineRoute<P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec<P, Q, B> {
  return spec;
}

export type AnyRoute = RouteSpec<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
