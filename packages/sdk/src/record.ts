import { sampler } from './sampler.js';

/** What the tracked function may say about itself while it runs. */
export interface InvocationReport {
  tokens_used?: number;
  cost_usd?: number;
  outcome_summary?: string;
  /** Marks the invocation failed (or succeeded) whatever the function does. */
  success?: boolean;
  error_details?: string;
}

/** The handle a tracked function receives as its argument. */
export interface TrackedInvocation {
  /** The client-chosen id the server will store this invocation under. */
  readonly invocation_id: string;
  /** Adds what is known about the invocation: tokens, cost, a summary, the outcome. */
  report(r: InvocationReport): void;
  /** Marks the invocation failed without throwing. */
  fail(details?: string): void;
}

export interface TrackOptions<R = unknown> {
  /** Defaults to the name passed to `track`. */
  task_description?: string;
  /** 1-10; the server estimates it from the task when absent. */
  complexity_score?: number;
  context?: Record<string, unknown>;
  assignment_id?: string;
  session_id?: string;
  tokens_used?: number;
  cost_usd?: number;
  /** Reads tokens, cost or an outcome off the function's result (e.g. an LLM response's usage). */
  result?: (value: R) => InvocationReport | undefined;
}

/**
 * One tracked call from start to export. The hot path only stores raw readings here (two clock
 * readings, two CPU readings, a memory sample number); everything derived from them is worked out
 * when the record is exported, off the agent's critical path. This object is all an active
 * invocation holds, so its size is the SDK's memory cost per invocation.
 */
export class InvocationRecord implements TrackedInvocation {
  t0 = 0;
  t1 = 0;
  /** Process CPU (user + system, µs) at start and end; cpu0 < 0 means not read for this call. */
  cpu0 = -1;
  cpu1 = 0;
  /** Short calls take their CPU from the background samples instead (see sampler.ts). */
  cpuSampled = false;
  /** The memory sample current at start and at end; memMb < 0 means not measured. */
  memSeq = 0;
  memSeqEnd = 0;
  memMb = -1;
  success = true;
  done = false;
  /** Already folded into the heartbeat vitals (a retried export must not count it twice). */
  observed = false;
  errorDetails: string | undefined = undefined;
  tokens: number | undefined;
  cost: number | undefined;
  summary: string | undefined = undefined;

  constructor(
    private readonly prefix: string,
    private readonly seq: number,
    readonly name: string,
    readonly opts: TrackOptions<never> | undefined,
  ) {
    this.tokens = opts?.tokens_used;
    this.cost = opts?.cost_usd;
  }

  get invocation_id(): string {
    return this.prefix + this.seq.toString(36);
  }

  get durationMs(): number {
    return this.t1 - this.t0;
  }

  /**
   * Process CPU over the call, in percent (over 100 when several cores worked): exact from the two
   * readings, or the process's utilisation over the sample window around a short call; -1 if
   * neither was taken.
   */
  get cpuPercent(): number {
    if (this.cpu0 >= 0) {
      const wallUs = (this.t1 - this.t0) * 1000;
      return wallUs > 0 ? ((this.cpu1 - this.cpu0) / wallUs) * 100 : 0;
    }
    return this.cpuSampled ? sampler.cpuAround(this.t0, this.t1) : -1;
  }

  report(r: InvocationReport): void {
    if (this.done || !r) return;
    if (r.tokens_used !== undefined) this.tokens = r.tokens_used;
    if (r.cost_usd !== undefined) this.cost = r.cost_usd;
    if (r.outcome_summary !== undefined) this.summary = r.outcome_summary;
    if (r.error_details !== undefined) this.errorDetails = r.error_details;
    if (r.success !== undefined) this.success = r.success;
  }

  fail(details?: string): void {
    if (this.done) return;
    this.success = false;
    if (details !== undefined) this.errorDetails = details;
  }
}

const cut = (s: string, max: number): string => (s.length > max ? s.slice(0, max) : s);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const round = (v: number, places: number): number => {
  const f = 10 ** places;
  return Math.round(v * f) / f;
};

export function describeError(err: unknown): string {
  try {
    if (err instanceof Error) return cut(err.stack ?? `${err.name}: ${err.message}`, 4000);
    return cut(typeof err === 'string' ? err : JSON.stringify(err) ?? String(err), 4000);
  } catch {
    return 'unserialisable error';
  }
}

// Serialising is most of what exporting costs the agent, so the common fields are written by
// hand: names repeat, so their JSON is cached, and one Date per second serves every timestamp.
const quoted = new Map<string, string>();
function q(v: string): string {
  let out = quoted.get(v);
  if (out === undefined) {
    out = JSON.stringify(v);
    if (quoted.size < 4096 && v.length <= 256) quoted.set(v, out);
  }
  return out;
}

let isoSecond = Number.NaN;
let isoPrefix = '';
export function isoMillis(ms: number): string {
  const t = Math.floor(ms);
  const sec = Math.floor(t / 1000);
  if (sec !== isoSecond) {
    isoSecond = sec;
    isoPrefix = new Date(sec * 1000).toISOString().slice(0, 20);
  }
  const m = t - sec * 1000;
  return `${isoPrefix}${m < 10 ? '00' : m < 100 ? '0' : ''}${m}Z`;
}

/**
 * The batch item for one record, as JSON text. Values the server would refuse are trimmed to its
 * limits here, so one odd record never costs its neighbours a rejection.
 */
export function serialise(rec: InvocationRecord, agentId: string): string {
  const o = rec.opts;
  const name = rec.name.length > 0 && rec.name.length <= 200 && rec.name.trim() === rec.name ? rec.name : cut(rec.name.trim() || 'invocation', 200);
  const task = o?.task_description !== undefined && o.task_description.trim() ? cut(o.task_description, 10_000) : name;
  const duration = rec.durationMs;
  const cpu = rec.cpuPercent;
  // Ids are made by the SDK from base-36 digits and a dot: nothing in them needs escaping.
  const qName = q(name);
  let out = `{"invocation_id":"${rec.invocation_id}","agent_id":${q(agentId)},"name":${qName},"task_description":${task === name ? qName : JSON.stringify(task)}`;
  out += `,"started_at":"${isoMillis(sampler.wallOffset + rec.t0)}","execution_time_ms":${round(Math.min(Math.max(duration, 0), 30 * 86_400_000), 3)},"success":${rec.success ? 'true' : 'false'}`;
  if (cpu >= 0) out += `,"cpu_usage_percent":${round(Math.min(cpu, 100_000), 2)}`;
  if (rec.memMb >= 0) {
    out += `,"memory_usage_mb":${round(rec.memMb, 2)},"peak_memory_mb":${round(sampler.peakBetween(rec.memSeq, rec.memSeqEnd, rec.memMb), 2)}`;
  }
  if (o === undefined && rec.tokens === undefined && rec.cost === undefined && rec.errorDetails === undefined && rec.summary === undefined) return `${out}}`;
  if (finite(o?.complexity_score)) out += `,"complexity_score":${Math.min(10, Math.max(1, Math.round(o.complexity_score)))}`;
  if (finite(rec.tokens) && rec.tokens >= 0) out += `,"tokens_used":${Math.min(Math.round(rec.tokens), 1e12)}`;
  if (finite(rec.cost) && rec.cost >= 0) out += `,"cost_usd":${Math.min(rec.cost, 1e9)}`;
  if (rec.errorDetails !== undefined) out += `,"error_details":${JSON.stringify(cut(String(rec.errorDetails), 10_000))}`;
  if (rec.summary !== undefined) out += `,"outcome_summary":${JSON.stringify(cut(String(rec.summary), 2_000))}`;
  if (typeof o?.assignment_id === 'string') out += `,"assignment_id":${JSON.stringify(o.assignment_id)}`;
  if (typeof o?.session_id === 'string') out += `,"session_id":${JSON.stringify(o.session_id)}`;
  if (o?.context !== undefined) {
    let text: string;
    try {
      text = JSON.stringify(o.context) ?? 'null';
      if (text.length > 16_384) text = `{"truncated":true,"bytes":${text.length}}`;
      else if (text[0] !== '{') text = '{"unserialisable":true}';
    } catch {
      text = '{"unserialisable":true}';
    }
    out += `,"context":${text}`;
  }
  return `${out}}`;
}
