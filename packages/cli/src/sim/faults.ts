import { CliError, EXIT } from '../lib/exit.js';
import { parseDuration } from '../lib/parse.js';

export const FAULT_KINDS = ['silent', 'offline', 'flap', 'degrade', 'stuck', 'errors', 'burn', 'pod_dark', 'outage'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Who a fault can hit: any agent, an idle one, one that works (takes assignments), a pod, or the fleet. */
export type FaultTarget = 'agent' | 'idle' | 'working' | 'pod' | 'fleet';

export interface FaultInfo {
  what: string;
  /** What should catch it (docs/liveness.md); the report shows what actually did. */
  expected: string;
  target: FaultTarget;
}

export const FAULTS: Record<FaultKind, FaultInfo> = {
  silent: { what: 'stops sending heartbeats, then comes back', expected: 'heartbeat_breach', target: 'agent' },
  offline: { what: 'reports status offline, then comes back', expected: 'agent_offline', target: 'agent' },
  flap: {
    what: 'silent long enough to breach, back, silent again: as many times as repeated_breach_count (health critical)',
    expected: 'heartbeat_breach',
    target: 'idle',
  },
  degrade: { what: 'reports degraded and stays in state degraded past its tier limit', expected: 'degraded_timeout', target: 'working' },
  stuck: { what: 'stays blocked past its tier limit', expected: 'p0_assignment_blocked (P0); blocked→escalated', target: 'working' },
  errors: { what: 'error spike: failing invocations push error_count_1h over the budget', expected: 'error_trend_rising', target: 'working' },
  burn: { what: 'token burn: its invocations cost about ten times its usual rate', expected: 'cost_burn_anomaly', target: 'working' },
  pod_dark: { what: 'every agent of one pod goes silent at once', expected: 'heartbeat_breach per agent, or fleet_outage', target: 'pod' },
  outage: { what: '60 % of the fleet goes silent at once', expected: 'fleet_outage (and pages before it)', target: 'fleet' },
};

export type Amount = { type: 'count'; n: number } | { type: 'share'; fraction: number } | { type: 'rate'; perHour: number };

export interface FaultRule {
  kind: FaultKind;
  amount: Amount;
  /** Overrides the kind's default duration. */
  durationMs?: number;
}

export const FAULT_PRESETS: Record<string, string> = {
  none: '',
  default: 'silent=2%,offline=1%,flap=1%,degrade=1%,stuck=1%,errors=1%,burn=1%,pod_dark=1',
  gentle: 'silent=2/h,offline=0.5/h,degrade=0.5/h,stuck=0.5/h,errors=0.5/h,burn=0.3/h,flap=0.2/h,pod_dark=0.1/h',
};

const usage = (msg: string): CliError => new CliError(`--faults: ${msg}`, EXIT.usage);

function parseAmount(raw: string, kind: FaultKind): Amount {
  const s = raw.trim();
  let m: RegExpExecArray | null;
  if ((m = /^(\d+(?:\.\d+)?)\/(h|d)$/.exec(s))) {
    const n = Number(m[1]);
    return { type: 'rate', perHour: m[2] === 'h' ? n : n / 24 };
  }
  if ((m = /^(\d+(?:\.\d+)?)%$/.exec(s))) {
    const p = Number(m[1]);
    if (p > 100) throw usage(`${kind}: a share cannot exceed 100%`);
    return { type: 'share', fraction: p / 100 };
  }
  if (/^\d+$/.test(s)) return { type: 'count', n: Number(s) };
  if (/^0?\.\d+$/.test(s)) return { type: 'share', fraction: Number(s) };
  throw usage(`${kind}=${raw}: expected a count (3), a share (2% or 0.02) or a rate (2/h, 5/d)`);
}

/**
 * `kind=amount[@duration]`, comma-separated, or a preset name (`default`, `gentle`, `none`).
 * Amounts: `3` agents (pods for pod_dark, outages for outage), `2%` or `0.02` of them, `2/h` or
 * `5/d` as a rate. A bare kind means one.
 */
export function parseFaults(spec: string): FaultRule[] {
  const expanded = FAULT_PRESETS[spec.trim()] ?? spec;
  const rules: FaultRule[] = [];
  for (const part of expanded.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [head, dur] = part.split('@') as [string, string | undefined];
    const [name, amount] = head.split('=') as [string, string | undefined];
    const kind = name.trim() as FaultKind;
    if (!FAULT_KINDS.includes(kind)) throw usage(`unknown fault '${name}' (known: ${FAULT_KINDS.join(', ')})`);
    const rule: FaultRule = { kind, amount: amount === undefined ? { type: 'count', n: 1 } : parseAmount(amount, kind) };
    if (dur !== undefined) {
      try {
        rule.durationMs = parseDuration(dur);
      } catch (err) {
        throw usage(`${kind}: ${(err as Error).message}`);
      }
      if (rule.durationMs <= 0) throw usage(`${kind}: the duration must be positive`);
    }
    if (rules.some((r) => r.kind === kind)) throw usage(`${kind} is given twice`);
    rules.push(rule);
  }
  return rules;
}

export function formatRule(r: FaultRule): string {
  const a = r.amount;
  const amount = a.type === 'count' ? String(a.n) : a.type === 'share' ? `${+(a.fraction * 100).toFixed(3)}%` : `${+a.perHour.toFixed(3)}/h`;
  return `${r.kind}=${amount}${r.durationMs !== undefined ? `@${r.durationMs / 1000}s` : ''}`;
}
