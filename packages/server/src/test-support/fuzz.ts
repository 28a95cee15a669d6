import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { AnyRoute } from '../api/route.js';
import type { Database } from '../store/db.js';
import type { ApiResponse } from './harness.js';

/**
 * Bad input derived from the very zod schemas that validate requests, so a route added later is
 * probed as thoroughly as the ones that exist today without anyone writing cases for it.
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
}

export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

export const routeKey = (r: Pick<AnyRoute, 'method' | 'url'>): string => `${r.method} ${r.url}`;

/** The statuses and codes of the contract's error table (§2). */
export const CONTRACT_CODES: Readonly<Record<number, readonly string[]>> = {
  400: ['validation_failed'],
  401: ['unauthorized'],
  403: ['forbidden'],
  404: ['not_found'],
  409: ['illegal_transition', 'conflict'],
  413: ['payload_too_large'],
  422: ['unknown_reference'],
  429: ['rate_limited'],
};

/** Why `r` is not one of the contract's refusals with an allowed status, or undefined when it is. */
export function refusalProblem(r: ApiResponse, allowed: readonly number[]): string | undefined {
  const got = `${r.status} ${JSON.stringify(r.body)?.slice(0, 300)}`;
  if (!allowed.includes(r.status)) return `expected ${allowed.join('|')}, got ${got}`;
  const codes = CONTRACT_CODES[r.status];
  if (!codes) return `status ${r.status} is not in the contract's error table`;
  const b = r.body as { error?: { code?: unknown; message?: unknown } } | undefined;
  if (!b || typeof b !== 'object' || Object.keys(b).join() !== 'error' || !b.error) return `not the {error:{code,message}} shape: ${got}`;
  const extra = Object.keys(b.error).filter((k) => !['code', 'message', 'details'].includes(k));
  if (extra.length) return `unexpected error fields ${extra.join(', ')}: ${got}`;
  if (typeof b.error.code !== 'string' || !codes.includes(b.error.code)) return `code must be one of ${codes.join('|')} for ${r.status}: ${got}`;
  if (typeof b.error.message !== 'string' || b.error.message === '') return `error.message must be a non-empty string: ${got}`;
  if (!String(r.headers.get('content-type')).startsWith('application/json')) return `error content-type is ${r.headers.get('content-type')}`;
  return undefined;
}

// ---- bodies -------------------------------------------------------------------------------------

export type CaseKind = 'wrong_type' | 'null' | 'unknown_enum' | 'missing' | 'extra' | 'boundary';

export interface BodyCase {
  kind: CaseKind;
  name: string;
  body: unknown;
}

type Path = Array<string | number>;

function branches(s: JsonSchema): JsonSchema[] {
  const alts = [...(s.anyOf ?? []), ...(s.oneOf ?? [])];
  return alts.length ? alts.flatMap(branches) : [s];
}

/** The JSON types a schema accepts; an empty set means it accepts anything. */
export function acceptedTypes(s: JsonSchema): Set<string> {
  const out = new Set<string>();
  for (const b of branches(s)) {
    const t = b.type ?? (b.enum ? [...new Set(b.enum.map(jsonType))] : b.const !== undefined ? jsonType(b.const) : b.properties ? 'object' : undefined);
    if (t === undefined) return new Set();
    for (const x of Array.isArray(t) ? t : [t]) out.add(x === 'integer' ? 'number' : x);
  }
  return out;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

const WRONG: Array<[string, unknown]> = [
  ['number', 12345],
  ['string', 'not-the-right-type'],
  ['boolean', true],
  ['object', { unexpected: 1 }],
  ['array', [1, 2]],
];

function enumValues(s: JsonSchema): unknown[] {
  return branches(s).flatMap((b) => b.enum ?? []);
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[path[path.length - 1]!] = value;
  return copy;
}

function deleteAt(root: unknown, path: Path): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  delete cur[path[path.length - 1]!];
  return copy;
}

/** Values just outside what a property allows: too short, too long, off-pattern, out of range. */
function boundaryValues(s: JsonSchema): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const b of branches(s)) {
    if (b.type === 'string' && !b.enum) {
      if ((b.minLength ?? 0) >= 1) out.push(['empty string', '']);
      if (b.maxLength !== undefined && b.maxLength <= 100_000) out.push([`longer than ${b.maxLength}`, 'x'.repeat(b.maxLength + 1)]);
      if (b.format === 'date-time') out.push(['not a time', 'yesterday'], ['impossible date', '2026-02-30T10:00:00Z']);
      else if (b.format === 'email') out.push(['not an email', 'not-an-email']);
      else if (b.format === 'uri' || b.format === 'url') out.push(['not a URL', 'not a url']);
      else if (b.pattern && !new RegExp(b.pattern).test('!bad value')) out.push(['off pattern', '!bad value']);
    }
    if (b.type === 'number' || b.type === 'integer') {
      if (b.type === 'integer') out.push(['fraction', 1.5]);
      if (b.minimum !== undefined) out.push(['below minimum', b.minimum - 1]);
      if (b.exclusiveMinimum !== undefined) out.push(['at exclusive minimum', b.exclusiveMinimum]);
      if (b.maximum !== undefined) out.push(['above maximum', b.maximum < 1e15 ? b.maximum + 1 : b.maximum * 2]);
      if (b.exclusiveMaximum !== undefined) out.push(['at exclusive maximum', b.exclusiveMaximum]);
    }
    if (b.type === 'array') {
      if ((b.minItems ?? 0) >= 1) out.push(['empty array', []]);
      if (b.maxItems !== undefined && b.maxItems <= 10_000) out.push([`more than ${b.maxItems} items`, Array.from({ length: b.maxItems + 1 }, () => 'x')]);
      const items = b.items;
      if (items) {
        const accepted = acceptedTypes(items);
        const wrong = accepted.size ? WRONG.find(([t]) => !accepted.has(t)) : undefined;
        if (wrong) out.push([`an item of the wrong type`, [wrong[1]]]);
        if (enumValues(items).length) out.push(['an unknown item', ['definitely_not_a_known_value']]);
      }
    }
  }
  return out;
}

/**
 * Every single-fault variant of a valid body: each property of the wrong type, null where null is
 * not allowed, an unknown enum value, a value just out of bounds, each required property missing,
 * and an unknown extra property, at the top level and inside nested objects the valid body fills.
 */
export function bodyCases(schema: z.ZodType, valid: unknown): BodyCase[] {
  const out: BodyCase[] = [];
  // Nested objects of one shape (the rows of a matrix, say) are probed once, not once per row.
  const walked = new Set<string>();
  const walk = (s: JsonSchema, value: unknown, path: Path, depth: number): void => {
    if (path.length > 0) {
      const shape = JSON.stringify(s);
      if (walked.has(shape)) return;
      walked.add(shape);
    }
    if (depth > 4 || typeof value !== 'object' || value === null || Array.isArray(value)) return;
    const obj = value as Record<string, unknown>;
    const objSchema = branches(s).find((b) => b.properties) ?? s;
    const props = objSchema.properties ?? {};
    const where = (k: string): string => [...path, k].join('.');
    for (const [k, ps] of Object.entries(props)) {
      const p = [...path, k];
      const accepted = acceptedTypes(ps);
      if (accepted.size) {
        const wrong = WRONG.find(([t]) => !accepted.has(t));
        if (wrong) out.push({ kind: 'wrong_type', name: `${where(k)} as ${wrong[0]}`, body: setAt(valid, p, wrong[1]) });
        if (!accepted.has('null')) out.push({ kind: 'null', name: `${where(k)} null`, body: setAt(valid, p, null) });
      }
      if (enumValues(ps).length) out.push({ kind: 'unknown_enum', name: `${where(k)} unknown value`, body: setAt(valid, p, 'definitely_not_a_known_value') });
      for (const [label, v] of boundaryValues(ps)) out.push({ kind: 'boundary', name: `${where(k)} ${label}`, body: setAt(valid, p, v) });
      if ((objSchema.required ?? []).includes(k) && k in obj) out.push({ kind: 'missing', name: `${where(k)} missing`, body: deleteAt(valid, p) });
      const child = obj[k];
      const childSchema = branches(ps).find((b) => b.properties || b.items);
      if (childSchema?.properties) walk(childSchema, child, p, depth + 1);
      else if (childSchema?.items?.properties && Array.isArray(child) && child.length > 0) walk(childSchema.items, child[0], [...p, 0], depth + 1);
    }
    if (objSchema.additionalProperties === false) {
      out.push({ kind: 'extra', name: `${where('unexpected_field')} added`, body: setAt(valid, [...path, 'unexpected_field'], 1) });
    }
  };
  walk(inputJsonSchema(schema), valid, [], 0);
  return out;
}

/** A property of the valid body that holds free text, to carry text the database cannot store. */
export function freeTextPath(schema: z.ZodType, valid: unknown): string | undefined {
  const js = inputJsonSchema(schema);
  const props = (branches(js).find((b) => b.properties) ?? js).properties ?? {};
  const obj = (valid ?? {}) as Record<string, unknown>;
  return Object.entries(props).find(([k, s]) => typeof obj[k] === 'string' && branches(s).some((b) => b.type === 'string' && !b.pattern && !b.format && !b.enum))?.[0];
}

/** `{"a":{"a":…}}` nested `depth` levels, as raw text (JSON.stringify could not build it). */
export function deeplyNested(depth: number, leaf = '1'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

// ---- query strings ------------------------------------------------------------------------------

export interface QueryCase {
  name: string;
  query: string;
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');

/** Cursors no server issued, whatever the route's sort key is. */
export const GARBAGE_CURSORS: Array<[string, string]> = [
  ['not base64 JSON', '!!!garbage!!!'],
  ['a JSON object', b64({ after: 'x' })],
  ['a JSON array', b64(['x'])],
  ['JSON null', b64(null)],
  ['longer than any cursor', 'A'.repeat(513)],
  ['percent sign', '%25'],
];

/**
 * Cursors that decode to a value of the right type that no server issued. They reach the database,
 * where they must not turn into a 5xx: text with U+0000 (PostgreSQL refuses it), and numbers that
 * are not the integers a numeric key holds.
 */
export const HOSTILE_CURSORS: Array<[string, string]> = [
  ['text with U+0000', b64('a\u0000b')],
  ['a huge number', b64(1e300)],
  ['a fraction', b64(1.5)],
];

/** Bad values for each query parameter of a list or filter, derived from its schema. */
export function queryCases(schema: z.ZodType): QueryCase[] {
  const js = inputJsonSchema(schema);
  const props = js.properties ?? {};
  const out: QueryCase[] = [];
  const q = (k: string, v: string): string => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
  for (const [k, s] of Object.entries(props)) {
    if (k === 'limit') {
      for (const v of ['0', '-1', '1001', 'abc', '1.5', '']) out.push({ name: `limit=${v}`, query: q(k, v) });
      out.push({ name: 'limit twice', query: `${q(k, '1')}&${q(k, '2')}` });
      continue;
    }
    if (k === 'cursor') {
      for (const [label, v] of GARBAGE_CURSORS) out.push({ name: `cursor ${label}`, query: `cursor=${v}` });
      continue;
    }
    if (enumValues(s).length) {
      out.push({ name: `${k} unknown value`, query: q(k, 'definitely_not_a_known_value') });
      const vals = enumValues(s).map(String);
      if (vals.length >= 2) out.push({ name: `${k} given twice`, query: `${q(k, vals[0]!)}&${q(k, vals[1]!)}` });
    }
    for (const b of branches(s)) {
      if (b.type === 'string' && b.pattern && !new RegExp(b.pattern).test('!bad value')) out.push({ name: `${k} off pattern`, query: q(k, '!bad value') });
      if (b.type === 'string' && b.maxLength !== undefined && b.maxLength < 4000) out.push({ name: `${k} too long`, query: q(k, 'x'.repeat(b.maxLength + 1)) });
      if (b.type === 'string' && b.format === 'date-time') out.push({ name: `${k} not a time`, query: q(k, 'yesterday') });
      if (b.type === 'number' || b.type === 'integer') out.push({ name: `${k} not a number`, query: q(k, 'abc') });
    }
    out.push({ name: `${k} with U+0000`, query: q(k, 'a\u0000b') });
  }
  return out;
}

// ---- paths --------------------------------------------------------------------------------------

export interface PathParam {
  name: string;
  /** The collection an id parameter names an object of: the path segment before it, in the plural. */
  collection?: string;
  /** An enum parameter (a kind, not an id) takes its first value. */
  fixed?: string;
}

const plural = (s: string): string => (s.endsWith('s') ? s : `${s}s`);

/** A route's path parameters, each with the collection it names or the fixed value it takes. */
export function pathParams(route: Pick<AnyRoute, 'url' | 'params'>): PathParam[] {
  const props = route.params ? (inputJsonSchema(route.params).properties ?? {}) : {};
  const segs = route.url.split('/');
  const out: PathParam[] = [];
  let prev = '';
  for (const seg of segs) {
    if (!seg.startsWith(':')) {
      prev = seg;
      continue;
    }
    const name = seg.slice(1);
    const values = props[name] ? enumValues(props[name]) : [];
    if (values.length) {
      const fixed = String(values[0]);
      out.push({ name, fixed });
      prev = fixed;
    } else {
      out.push({ name, collection: plural(prev) });
      prev = `:${name}`;
    }
  }
  return out;
}

/** Fills `:param`s with the id of an object of the collection each names; undefined when one is unknown. */
export function fillPath(route: Pick<AnyRoute, 'url' | 'params'>, ids: Readonly<Record<string, string>>): string | undefined {
  const params = new Map(pathParams(route).map((p) => [p.name, p]));
  let missing = false;
  const path = route.url
    .split('/')
    .map((seg) => {
      const p = seg.startsWith(':') ? params.get(seg.slice(1)) : undefined;
      if (!p) return seg;
      const v = p.fixed ?? ids[p.collection ?? ''];
      if (v === undefined) missing = true;
      return encodeURIComponent(v ?? '');
    })
    .join('/');
  return missing ? undefined : path;
}

// ---- "changes nothing" --------------------------------------------------------------------------

/**
 * Columns a refused request may still write: `api_keys.last_used_at` is advisory, touched when a
 * key authenticates (at most once a minute, off the request's critical path), whatever the request
 * then turns out to be. Nothing else is.
 */
export const ADVISORY_COLUMNS: Readonly<Record<string, readonly string[]>> = { api_keys: ['last_used_at'] };

function stable(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(typeof v === 'bigint' ? String(v) : v) ?? 'undefined';
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('base64'));
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
    .join(',')}}`;
}

/**
 * Every table of the database (found by introspection, so tables added later are included) as
 * `rows:digest`, rows in a canonical order, advisory columns left out.
 */
export async function snapshotDb(database: Database): Promise<Record<string, string>> {
  const db = database.db;
  let schema: string | undefined;
  if (database.dialect === 'postgres') {
    const r = await sql<{ s: string }>`select current_schema() as s`.execute(db);
    schema = r.rows[0]?.s;
  }
  const tables = (await db.introspection.getTables()).filter((t) => !t.isView && (schema === undefined || t.schema === schema));
  const out: Record<string, string> = {};
  for (const t of tables.sort((a, b) => a.name.localeCompare(b.name))) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(t.name)}`.execute(db)).rows;
    const skip = ADVISORY_COLUMNS[t.name] ?? [];
    const lines = rows
      .map((row) => {
        const copy = { ...row };
        for (const c of skip) delete copy[c];
        return stable(copy);
      })
      .sort();
    out[t.name] = `${rows.length}:${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)}`;
  }
  return out;
}
