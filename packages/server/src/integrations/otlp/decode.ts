import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { DomainError } from '../../domain/errors.js';
import { OTLP_TRACE_PROTO } from './proto/trace-service.js';

/** An attribute value as OTLP carries it, flattened to what JSON can hold. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [k: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

/** One span with what the mapping reads, the same whichever encoding it came in. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  statusCode: number;
  statusMessage: string;
  resource: Attributes;
}

export type OtlpEncoding = 'protobuf' | 'json';

export const STATUS_ERROR = 2;

const root = protobuf.parse(OTLP_TRACE_PROTO).root;
const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const Response = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');

const bad = (message: string): DomainError => new DomainError('validation_failed', message);

/** Which encoding a Content-Type names; anything else is refused before decoding. */
export function encodingOf(contentType: string | undefined): OtlpEncoding {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/x-protobuf' || ct === 'application/protobuf') return 'protobuf';
  if (ct === 'application/json') return 'json';
  throw bad(`Content-Type must be application/x-protobuf or application/json, not '${ct || 'none'}'`);
}

/** Undoes Content-Encoding; the inflated size is capped so a small gzip bomb cannot fill memory. */
export function inflate(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Buffer {
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return body;
  if (enc !== 'gzip') throw bad(`Content-Encoding must be gzip or identity, not '${enc}'`);
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DomainError('payload_too_large', `the request inflates to more than ${maxBytes} bytes`);
    }
    throw bad('the body is not valid gzip');
  }
}

/** Decodes an ExportTraceServiceRequest in either encoding into flat spans. */
export function decodeTraces(body: Buffer, encoding: OtlpEncoding): OtlpSpan[] {
  let msg: unknown;
  if (encoding === 'protobuf') {
    try {
      // Decoded as camelCase names, ids as bytes and 64-bit numbers as strings: the JSON shape.
      msg = Request.toObject(Request.decode(body), { longs: String, enums: Number, bytes: Buffer, defaults: false });
    } catch (err) {
      throw bad(`the body is not an OTLP ExportTraceServiceRequest: ${(err as Error).message}`);
    }
  } else {
    try {
      msg = JSON.parse(body.toString('utf8'));
    } catch {
      throw bad('the body is not valid JSON');
    }
  }
  return flatten(msg);
}

export function encodeResponse(encoding: OtlpEncoding, rejected: number, message: string): { body: Buffer | Record<string, unknown>; contentType: string } {
  const partial = rejected > 0 || message !== '' ? { rejectedSpans: rejected, errorMessage: message } : undefined;
  if (encoding === 'json') {
    // int64 travels as a string in OTLP/JSON.
    return { body: partial ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage: message } } : {}, contentType: 'application/json' };
  }
  const m = Response.fromObject(partial ? { partialSuccess: partial } : {});
  return { body: Buffer.from(Response.encode(m).finish()), contentType: 'application/x-protobuf' };
}

// ---- the OTLP/JSON shape (also what the protobuf decode yields) ----------------------------------

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
/** Protobuf JSON accepts both the lowerCamelCase and the original field name. */
const field = (o: Obj, camel: string, snake: string): unknown => (o[camel] !== undefined ? o[camel] : o[snake]);
const list = (v: unknown, where: string): unknown[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(`${where} must be an array`);
  return v;
};

function flatten(msg: unknown): OtlpSpan[] {
  if (!isObj(msg)) throw bad('the body must be an ExportTraceServiceRequest object');
  const out: OtlpSpan[] = [];
  list(field(msg, 'resourceSpans', 'resource_spans'), 'resourceSpans').forEach((rs, i) => {
    if (!isObj(rs)) throw bad(`resourceSpans.${i} must be an object`);
    const res = field(rs, 'resource', 'resource');
    const resource = isObj(res) ? attributes(res.attributes, `resourceSpans.${i}.resource.attributes`) : {};
    list(field(rs, 'scopeSpans', 'scope_spans'), `resourceSpans.${i}.scopeSpans`).forEach((ss, j) => {
      if (!isObj(ss)) throw bad(`resourceSpans.${i}.scopeSpans.${j} must be an object`);
      list(ss.spans, `resourceSpans.${i}.scopeSpans.${j}.spans`).forEach((sp, k) => {
        const where = `resourceSpans.${i}.scopeSpans.${j}.spans.${k}`;
        if (!isObj(sp)) throw bad(`${where} must be an object`);
        const status = field(sp, 'status', 'status');
        out.push({
          traceId: id(field(sp, 'traceId', 'trace_id'), 16, `${where}.traceId`),
          spanId: id(field(sp, 'spanId', 'span_id'), 8, `${where}.spanId`),
          parentSpanId: optionalId(field(sp, 'parentSpanId', 'parent_span_id'), `${where}.parentSpanId`),
          name: typeof sp.name === 'string' ? sp.name : '',
          kind: enumValue(sp.kind, 'SPAN_KIND_', ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']),
          startNs: nanos(field(sp, 'startTimeUnixNano', 'start_time_unix_nano'), `${where}.startTimeUnixNano`),
          endNs: nanos(field(sp, 'endTimeUnixNano', 'end_time_unix_nano'), `${where}.endTimeUnixNano`),
          attributes: attributes(sp.attributes, `${where}.attributes`),
          statusCode: isObj(status) ? enumValue(status.code, 'STATUS_CODE_', ['UNSET', 'OK', 'ERROR']) : 0,
          statusMessage: isObj(status) && typeof status.message === 'string' ? status.message : '',
          resource,
        });
      });
    });
  });
  return out;
}

/** OTLP/JSON writes ids as hex; protobuf carries bytes. Base64 is accepted as the generic mapping. */
function id(v: unknown, bytes: number, where: string): string {
  const hex = optionalId(v, where);
  if (hex.length !== bytes * 2 || /^0+$/.test(hex)) throw bad(`${where} must be ${bytes} bytes, not all zero`);
  return hex;
}

function optionalId(v: unknown, where: string): string {
  if (v === undefined || v === null || v === '') return '';
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v !== 'string') throw bad(`${where} must be a hex string`);
  if (/^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0) return v.toLowerCase();
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) return Buffer.from(v, 'base64').toString('hex');
  throw bad(`${where} must be a hex string`);
}

function nanos(v: unknown, where: string): bigint {
  if (v === undefined || v === null) return 0n;
  // Past 2^53 a JSON number has lost its last digits already; nanoseconds that far out do not matter.
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return BigInt(Math.round(v));
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v);
  throw bad(`${where} must be a non-negative integer of nanoseconds`);
}

function enumValue(v: unknown, prefix: string, names: string[]): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const i = names.indexOf(v.startsWith(prefix) ? v.slice(prefix.length) : v);
    if (i >= 0) return i;
  }
  return 0;
}

function attributes(v: unknown, where: string): Attributes {
  const out: Attributes = {};
  for (const kv of list(v, where)) {
    if (!isObj(kv) || typeof kv.key !== 'string') continue;
    out[kv.key] = anyValue(kv.value, 0);
  }
  return out;
}

/** Nested values are cut off deep down: the mapping reads scalars, the rest is kept for context. */
function anyValue(v: unknown, depth: number): AttrValue {
  if (!isObj(v) || depth > 8) return null;
  const s = field(v, 'stringValue', 'string_value');
  if (typeof s === 'string') return s;
  const b = field(v, 'boolValue', 'bool_value');
  if (typeof b === 'boolean') return b;
  const i = field(v, 'intValue', 'int_value');
  if (typeof i === 'number' || typeof i === 'string') return Number(i);
  const d = field(v, 'doubleValue', 'double_value');
  if (typeof d === 'number' || typeof d === 'string') return Number(d);
  const a = field(v, 'arrayValue', 'array_value');
  if (isObj(a)) return (Array.isArray(a.values) ? a.values : []).map((x) => anyValue(x, depth + 1));
  const kv = field(v, 'kvlistValue', 'kvlist_value');
  if (isObj(kv)) {
    const o: { [k: string]: AttrValue } = {};
    for (const e of Array.isArray(kv.values) ? kv.values : []) if (isObj(e) && typeof e.key === 'string') o[e.key] = anyValue(e.value, depth + 1);
    return o;
  }
  const by = field(v, 'bytesValue', 'bytes_value');
  if (Buffer.isBuffer(by) || by instanceof Uint8Array) return Buffer.from(by).toString('base64');
  if (typeof by === 'string') return by;
  return null;
}
