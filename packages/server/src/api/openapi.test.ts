import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorBody } from '@aetherboard/contracts';
import type { AnyRoute } from './route.js';
import { pathParams, routeKey } from '../test-support/fuzz.js';
import { startTestServer, type TestServer } from '../test-support/harness.js';

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: unknown }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  security: unknown[];
}

/** The routes the public contract names (its §2–§10), each with the query parameters it promises. */
const CONTRACT_ROUTES: Array<[string, string[]]> = [
  ['GET /healthz', []],
  ['GET /api/openapi.json', []],
  ['POST /api/workspaces', []],
  ['POST /api/keys', []],
  ['DELETE /api/keys/{key_id}', []],
  ['POST /api/members', []],
  ['POST /api/pods', []],
  ['PUT /api/org', []],
  ['POST /api/agents', []],
  ['GET /api/agents', ['state', 'health', 'team_id', 'pod_id', 'priority_tier', 'owner_id', 'limit', 'cursor']],
  ['GET /api/agents/{id}', []],
  ['PATCH /api/agents/{id}', []],
  ['POST /api/agents/{id}/transitions', []],
  ['GET /api/agents/{id}/transitions', []],
  ['POST /api/agents/{id}/fire', []],
  ['POST /api/agents/{id}/heartbeat', []],
  ['POST /api/heartbeats', []],
  ['GET /api/agents/{id}/heartbeats', ['limit']],
  ['GET /api/alerts', ['status', 'severity', 'agent_id', 'kind']],
  ['POST /api/alerts/{id}/ack', []],
  ['POST /api/alerts/{id}/resolve', []],
  ['POST /api/webhooks', []],
  ['POST /api/assignments', []],
  ['PATCH /api/assignments/{id}', []],
  ['POST /api/assignments/{id}/reassign', []],
  ['POST /api/agents/{id}/sessions', []],
  ['GET /api/agents/{id}/sessions', []],
  ['PATCH /api/sessions/{id}', []],
  ['POST /api/invocations', []],
  ['POST /api/invocations/{id}/complete', []],
  ['POST /api/invocations/batch', []],
  ['GET /api/agents/{id}/metrics', ['period']],
  ['GET /api/fleet/summary', []],
  ['GET /api/clock', []],
  ['POST /api/clock/advance', []],
];

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const toTemplate = (url: string): string => url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
const jsonSchema = (s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
};

function refsIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refsIn(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refsIn(x, out);
    }
  }
  return out;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((cur, key) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined), doc);
}

describe('the OpenAPI document', () => {
  let s: TestServer;
  let doc: Document;
  let routes: AnyRoute[];

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    const r = await s.api<Document>('GET', '/api/openapi.json', { key: null });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    doc = r.body;
    routes = s.app.routes;
  });
  afterAll(async () => s?.close());

  it('is served without a key and has the shape of OpenAPI 3.1', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.info.version).toEqual(expect.any(String));
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.components.schemas.Error).toEqual(jsonSchema(ErrorBody, 'output'));
    const ids = new Set<string>();
    const problems: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/')) problems.push(`${path}: paths start with /`);
      for (const [method, op] of Object.entries(item)) {
        const at = `${method.toUpperCase()} ${path}`;
        if (!METHODS.includes(method)) problems.push(`${at}: not an HTTP method`);
        if (!op.operationId || ids.has(op.operationId)) problems.push(`${at}: operationId missing or repeated (${op.operationId})`);
        ids.add(op.operationId ?? '');
        if (!op.summary || !op.tags?.length) problems.push(`${at}: needs a summary and a tag`);
        const statuses = Object.keys(op.responses ?? {});
        if (!statuses.some((c) => /^[23]\d\d$/.test(c))) problems.push(`${at}: documents no success response`);
        for (const [code, res] of Object.entries(op.responses ?? {})) {
          if (!/^[1-5]\d\d$/.test(code) || typeof res.description !== 'string') problems.push(`${at} ${code}: a response needs a status and a description`);
        }
        // Every {param} of the path is a required path parameter, and there are no others.
        const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        const documented = (op.parameters ?? []).filter((p) => p.in === 'path');
        expect(documented.map((p) => p.name).sort(), at).toEqual([...inPath].sort());
        if (documented.some((p) => p.required !== true)) problems.push(`${at}: path parameters must be required`);
        if ((op.parameters ?? []).some((p) => !['path', 'query', 'header', 'cookie'].includes(p.in) || !p.schema)) problems.push(`${at}: a parameter needs a location and a schema`);
      }
    }
    expect(problems).toEqual([]);
    for (const ref of refsIn(doc)) expect(resolvePointer(doc, ref), `$ref ${ref}`).toBeDefined();
  });

  it('lists every route that is not hidden, with its method, and nothing else', () => {
    const expected = routes.filter((r) => !r.hidden).map((r) => `${r.method.toLowerCase()} ${toTemplate(r.url)}`);
    const listed = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`));
    expect(listed.sort()).toEqual([...expected].sort());
    for (const r of routes.filter((x) => x.hidden)) expect(doc.paths[toTemplate(r.url)]?.[r.method.toLowerCase()], routeKey(r)).toBeUndefined();
  });

  it('documents a request body exactly for the routes with a body schema, generated from that schema', () => {
    for (const r of routes.filter((x) => !x.hidden)) {
      const op = doc.paths[toTemplate(r.url)]![r.method.toLowerCase()]!;
      if (!r.body) {
        expect(op.requestBody, routeKey(r)).toBeUndefined();
        continue;
      }
      expect(op.requestBody?.required, routeKey(r)).toBe(r.bodyRequired !== false);
      expect(op.requestBody?.content?.['application/json']?.schema, routeKey(r)).toEqual(jsonSchema(r.body, 'input'));
    }
  });

  it('documents the query and path parameters of each route from its schemas', () => {
    for (const r of routes.filter((x) => !x.hidden)) {
      const op = doc.paths[toTemplate(r.url)]![r.method.toLowerCase()]!;
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const fromSchema = r.query ? Object.keys((jsonSchema(r.query, 'input').properties as Record<string, unknown>) ?? {}) : [];
      expect(query.sort(), routeKey(r)).toEqual(fromSchema.sort());
      expect(pathParams(r).map((p) => p.name).sort(), routeKey(r)).toEqual(
        (op.parameters ?? [])
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort(),
      );
    }
  });

  it('documents the contract errors on every authenticated route, and no key on public ones', () => {
    const problems: string[] = [];
    for (const r of routes.filter((x) => !x.hidden)) {
      const op = doc.paths[toTemplate(r.url)]![r.method.toLowerCase()]!;
      const responses = op.responses ?? {};
      if (r.access === 'public') {
        // A public route that answers 401 checks a key itself: it must not claim to need none.
        const checksKey = r.responses[401] !== undefined;
        if (!checksKey && JSON.stringify(op.security) !== '[]') problems.push(`${routeKey(r)}: a public route says it needs no key (security: [])`);
        if (checksKey && op.security !== undefined) problems.push(`${routeKey(r)}: checks a key, so it keeps the document's bearer security`);
        if (checksKey && (responses[401]?.content?.['application/json']?.schema as { $ref?: string } | undefined)?.$ref !== '#/components/schemas/Error') {
          problems.push(`${routeKey(r)}: does not document 401 with the Error schema`);
        }
        continue;
      }
      const needed = [400, 401, 403, 429, ...(pathParams(r).length ? [404] : []), ...(r.body ? [413] : [])];
      for (const code of needed) {
        const schema = responses[code]?.content?.['application/json']?.schema as { $ref?: string } | undefined;
        if (schema?.$ref !== '#/components/schemas/Error') problems.push(`${routeKey(r)}: does not document ${code} with the Error schema`);
      }
      for (const [code, res] of Object.entries(responses)) {
        const schema = res.content?.['application/json']?.schema;
        if (/^2/.test(code) && r.responses[Number(code)]?.schema && !schema && !res.content) problems.push(`${routeKey(r)} ${code}: its response schema is missing`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has every route of the public contract, with the query parameters it names', () => {
    const norm = (p: string): string => p.replace(/\{[^}]+\}/g, '{}');
    const have = new Map<string, Operation>(Object.entries(doc.paths).flatMap(([p, item]) => Object.entries(item).map(([m, op]): [string, Operation] => [`${m.toUpperCase()} ${norm(p)}`, op])));
    const missing: string[] = [];
    for (const [route, query] of CONTRACT_ROUTES) {
      const op = have.get(norm(route));
      if (!op) {
        missing.push(route);
        continue;
      }
      const names = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      for (const q of query) if (!names.includes(q)) missing.push(`${route} ?${q}`);
    }
    expect(missing, 'the contract names these, the document does not').toEqual([]);
  });

  it('describes the error bodies the server actually sends', async () => {
    const unauth = await s.api('GET', '/api/agents', { key: null });
    expect(unauth.status).toBe(401);
    expect(ErrorBody.strict().safeParse(unauth.body).success).toBe(true);
    const bad = await s.api('GET', '/api/agents?limit=0');
    expect(bad.status).toBe(400);
    expect(ErrorBody.safeParse(bad.body).success).toBe(true);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ path: 'query.limit' })]);
  });
});

// ---- route coverage -----------------------------------------------------------------------------

const PACKAGES = fileURLToPath(new URL('../../../', import.meta.url));
/** The generic suites reach every route by construction; coverage means a test written for the route. */
const GENERIC_SUITES = ['server/src/api/bad-input.test.ts'];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? testFiles(p) : e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Reads a quoted string literal ('…' or "…") that starts at `i`. */
function readLiteral(src: string, i: number): string | undefined {
  const q = src[i];
  if (q !== "'" && q !== '"') return undefined;
  let out = '';
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j]!;
    if (c === '\\') out += src[++j] ?? '';
    else if (c === q) return out;
    else if (c === '\n') return undefined;
    else out += c;
  }
  return undefined;
}

/** The index of the closing quote of the literal that starts at `i`. */
function skipLiteral(src: string, i: number): number {
  const q = src[i];
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j];
    if (c === '\\') j++;
    else if (c === q) return j;
    else if (q === '`' && c === '$' && src[j + 1] === '{') {
      let depth = 1;
      j += 2;
      while (j < src.length && depth > 0) {
        const d = src[j];
        if (d === '{') depth++;
        else if (d === '}') depth--;
        else if (d === '`' || d === "'" || d === '"') j = skipLiteral(src, j);
        j++;
      }
      j--;
    }
  }
  return src.length;
}

/** Every `(<'METHOD'>, <path literal>` call in the source: the harness's api(), makeApi() clients and the like. */
function calledPaths(src: string): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  const re = /\(\s*(['"])(GET|POST|PUT|PATCH|DELETE)\1\s*,\s*/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const i = m.index + m[0].length;
    const lit = src[i] === '`' ? templateText(src, i) : readLiteral(src, i);
    if (lit === undefined || !lit.startsWith('/')) continue;
    out.push({ method: m[2]!, path: lit.split('?')[0]! });
  }
  return out;
}

/** A template literal's text with each `${…}` as `\u0001`. */
function templateText(src: string, i: number): string | undefined {
  const end = skipLiteral(src, i);
  if (end >= src.length) return undefined;
  let out = '';
  for (let j = i + 1; j < end; j++) {
    const c = src[j]!;
    if (c === '\\') out += src[++j] ?? '';
    else if (c === '$' && src[j + 1] === '{') {
      let depth = 1;
      j += 2;
      while (j < end && depth > 0) {
        const d = src[j];
        if (d === '{') depth++;
        else if (d === '}') depth--;
        else if (d === '`' || d === "'" || d === '"') j = skipLiteral(src, j);
        j++;
      }
      j--;
      out += '\u0001';
    } else out += c;
  }
  return out;
}

/** The route a concrete path reaches; static segments win over parameters, as in the router. */
function routeFor(routes: AnyRoute[], method: string, path: string): AnyRoute | undefined {
  const segs = path.split('/');
  let best: { r: AnyRoute; score: number } | undefined;
  for (const r of routes) {
    if (r.method !== method) continue;
    const t = r.url.split('/');
    if (t.length !== segs.length) continue;
    let score = 0;
    const ok = t.every((ts, k) => {
      const cs = segs[k]!;
      if (ts.startsWith(':')) return cs.length > 0;
      if (cs === ts) return ++score > 0;
      if (!cs.includes('\u0001')) return false;
      const re = new RegExp(`^${cs.split('\u0001').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      return re.test(ts);
    });
    if (ok && (!best || score > best.score)) best = { r, score };
  }
  return best?.r;
}

describe('route coverage', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
  });
  afterAll(async () => s?.close());

  it('reads calls the way the tests write them', () => {
    const src = "api('POST', `/api/agents/${id}/fire`, {}); other('GET', '/api/agents?limit=1'); x('GET', `/api/a?c=${c ? `&d=${d}` : ''}`); api('PATCH', \"/api/x/y\")";
    expect(calledPaths(src)).toEqual([
      { method: 'POST', path: '/api/agents/\u0001/fire' },
      { method: 'GET', path: '/api/agents' },
      { method: 'GET', path: '/api/a' },
      { method: 'PATCH', path: '/api/x/y' },
    ]);
    const routes = s.app.routes;
    expect(routeFor(routes, 'POST', '/api/agents/\u0001/fire')?.url).toBe('/api/agents/:id/fire');
    expect(routeFor(routes, 'GET', '/api/agents/reg-1')?.url).toBe('/api/agents/:id');
    expect(routeFor(routes, 'GET', '/api/agents')?.url).toBe('/api/agents');
    expect(readLiteral("'a\\'b'", 0)).toBe("a'b");
  });

  it('has a test through the HTTP stack for every route in the OpenAPI document', () => {
    const files = testFiles(PACKAGES).filter((f) => !GENERIC_SUITES.includes(relative(PACKAGES, f).split('\\').join('/')));
    expect(files.length).toBeGreaterThan(1);
    const covered = new Set<string>();
    for (const f of files) {
      for (const c of calledPaths(readFileSync(f, 'utf8'))) {
        const r = routeFor(s.app.routes, c.method, c.path);
        if (r) covered.add(routeKey(r));
      }
    }
    const untested = s.app.routes.filter((r) => !r.hidden && !covered.has(routeKey(r))).map(routeKey);
    expect(untested, `these routes have no test that calls them through HTTP: ${untested.join(', ')}`).toEqual([]);
  });
});
