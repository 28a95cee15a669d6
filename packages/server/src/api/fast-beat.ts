import { BatchHeartbeatItem, HeartbeatBody } from '@aetherboard/contracts';

/**
 * The heartbeat hot path's validator. It accepts exactly the beats that are plainly well formed
 * (the shape every SDK sends) and returns them as they are; anything else, it leaves to the
 * contract's zod schema, which accepts or explains. It never accepts what the schema would refuse,
 * and what it accepts equals what the schema would have returned (the schema copies the same
 * fields, and transforms none of them): a test holds it to both.
 */

const STATUS = new Set(['ok', 'degraded', 'blocked', 'offline']);
const MODE = new Set(['idle', 'executing', 'waiting', 'escalated']);
const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
// A strict subset of what the schema's ISO date-time accepts; anything else goes to the schema.
const TIME = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,3})?Z$/;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isTime(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = TIME.exec(v);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return Number(m[3]) <= (month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!);
}
const MAX_COUNT = 2_147_483_647;

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_COUNT;
const isId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 128 && ID.test(v);

function plainBeat(o: Record<string, unknown>, withAgent: boolean): boolean {
  let n = 0;
  for (const k in o) {
    n++;
    const v = o[k];
    switch (k) {
      case 'status':
        if (typeof v !== 'string' || !STATUS.has(v)) return false;
        break;
      case 'work_mode':
        if (typeof v !== 'string' || !MODE.has(v)) return false;
        break;
      case 'emitted_at':
        if (!isTime(v)) return false;
        break;
      case 'active_assignment_id':
        if (v !== null && !isId(v)) return false;
        break;
      case 'queue_depth':
      case 'error_count_1h':
      case 'latency_p95_ms':
      case 'token_burn_1h':
        if (!isCount(v)) return false;
        break;
      case 'summary':
        // U+0000 is refused before any schema (see jsonShapeProblem): leave it to that path.
        if (typeof v !== 'string' || v.length > 140 || v.includes('\u0000')) return false;
        break;
      case 'agent_id':
        if (!withAgent || !isId(v)) return false;
        break;
      default:
        return false;
    }
  }
  // Own enumerable keys only, each seen once; status and work_mode are required.
  return n === Object.keys(o).length && typeof o.status === 'string' && typeof o.work_mode === 'string' && (!withAgent || typeof o.agent_id === 'string');
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** Whether one item of a batch is plainly valid, as it is. */
export function isPlainBatchItem(raw: unknown): raw is BatchHeartbeatItem {
  return isPlainObject(raw) && plainBeat(raw, true);
}

/** One item of a batch: the fast path when it is plainly valid, else the schema's verdict. */
export function parseBatchItem(raw: unknown): ReturnType<typeof BatchHeartbeatItem.safeParse> {
  if (isPlainBatchItem(raw)) return { success: true, data: raw } as ReturnType<typeof BatchHeartbeatItem.safeParse>;
  return BatchHeartbeatItem.safeParse(raw);
}

/** A single heartbeat body, the same way. */
export function isPlainHeartbeatBody(raw: unknown): raw is HeartbeatBody {
  return isPlainObject(raw) && plainBeat(raw, false);
}
