import { z } from 'zod';
import { ErrorBody } from '@aetherboard/contracts';
import type { AnyRoute } from './route.js';

const ERRORS: Record<number, string> = {
  400: 'validation_failed: the request is malformed; details name each bad field',
  401: 'unauthorized: missing, unknown or revoked key',
  403: 'forbidden: the key may not do this',
  404: 'not_found',
  409: 'illegal_transition or conflict',
  413: 'payload_too_large',
  422: 'unknown_reference: an id that names nothing in this workspace',
  429: 'rate_limited (see Retry-After)',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    schema: s,
  }));
}

/** The OpenAPI 3.1 document, generated from the very schemas that validate requests. */
export function buildOpenApi(routes: AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    if (r.hidden) continue;
    const path = r.url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    const errorRef = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    for (const [status, spec] of Object.entries(r.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.schema ? { content: { [spec.contentType ?? 'application/json']: { schema: jsonSchema(spec.schema, 'output') } } } : Number(status) >= 400 ? errorRef : {}),
      };
    }
    // A public route that answers 401 checks a key itself (the event stream also takes a cookie).
    const keyed = r.access === 'authenticated' || r.responses[401] !== undefined;
    const errorStatuses = r.access === 'public' ? [] : [400, 401, 403, 404, 409, 413, 422, 429];
    for (const s of errorStatuses) {
      if (responses[s] === undefined) {
        responses[s] = { description: ERRORS[s], ...errorRef };
      }
    }
    const op: Record<string, unknown> = {
      tags: [r.tag],
      summary: r.summary,
      ...(r.description || r.roles ? { description: [r.description, r.roles ? `Roles: ${r.roles}.` : ''].filter(Boolean).join('\n\n') } : {}),
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      responses,
      ...(keyed ? {} : { security: [] }),
    };
    if (r.body) {
      op.requestBody = { required: r.bodyRequired !== false, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } };
    }
    paths[path] = { ...(paths[path] ?? {}), [r.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'AetherBoard API',
      version,
      description: 'The control plane for fleets of AI agents. Every /api call takes `Authorization: Bearer <key>`.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
