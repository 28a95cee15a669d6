import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ErrorBody, ErrorCode } from '@aetherboard/contracts';
import { DomainError } from '../domain/errors.js';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  illegal_transition: 409,
  conflict: 409,
  payload_too_large: 413,
  unknown_reference: 422,
  rate_limited: 429,
  internal: 500,
};

export class RateLimited extends DomainError {
  constructor(readonly retryAfterS: number) {
    super('rate_limited', `too many requests; retry after ${retryAfterS} s`);
  }
}

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

export function body(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

export function zodDetails(err: z.ZodError, where: string): Array<{ path: string; message: string }> {
  return err.issues.map((i) => ({ path: [where, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }));
}

/** The one place that turns any failure into the contract's `{error}` shape. */
export function mapError(err: unknown): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (err instanceof RateLimited) {
    return { status: 429, body: body('rate_limited', err.message), headers: { 'retry-after': String(err.retryAfterS) } };
  }
  if (err instanceof DomainError) return { status: statusOf(err.code), body: body(err.code, err.message, err.details) };
  const fe = err as FastifyError;
  if (fe && typeof fe.code === 'string') {
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return { status: 413, body: body('payload_too_large', 'request body is larger than this route accepts') };
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return { status: 400, body: body('validation_failed', `request body is not valid JSON: ${fe.message}`) };
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return { status: 400, body: body('validation_failed', 'request body must be application/json') };
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return { status: 400, body: body('validation_failed', 'Content-Length does not match the body') };
      case 'FST_ERR_BAD_URL':
        return { status: 400, body: body('validation_failed', 'the URL is not valid percent-encoding') };
      case 'FST_ERR_MAX_PARAM_LENGTH':
        // Ids are at most 128 characters; a longer path segment names nothing.
        return { status: 400, body: body('validation_failed', 'a path segment is longer than any id') };
      default:
        break;
    }
    if (err instanceof SyntaxError || fe.statusCode === 400) {
      return { status: 400, body: body('validation_failed', fe.message) };
    }
    if (fe.statusCode === 413) return { status: 413, body: body('payload_too_large', fe.message) };
    if (fe.statusCode === 404) return { status: 404, body: body('not_found', fe.message) };
  }
  return { status: 500, body: body('internal', 'internal error; the server log has the details') };
}

export function sendError(reply: FastifyReply, req: FastifyRequest, err: unknown): FastifyReply {
  const m = mapError(err);
  if (m.status >= 500) req.log.error({ err }, 'request failed');
  if (m.headers) void reply.headers(m.headers);
  return reply.status(m.status).send(m.body);
}
