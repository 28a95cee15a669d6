import { InvalidArgumentError } from 'commander';

/** Option parsers: a bad value is a usage error (exit 1) that names the flag's expectation. */
export function int(min = 0, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

export function decimal(min = 0, max = Number.MAX_VALUE): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
    return n;
  };
}

export function list(v: string): string[] {
  const xs = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (xs.length === 0) throw new InvalidArgumentError('expected a comma-separated list');
  return xs;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `24h`, `1d`, `1h30m`, or a bare number of seconds. */
export function parseDuration(v: string): number {
  const s = v.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched !== s.length || s.length === 0) throw new InvalidArgumentError(`expected a duration like 90s, 15m, 24h or 1h30m, not '${v}'`);
  return Math.round(total);
}

export function durationOption(min = 0): (v: string) => number {
  return (v) => {
    const ms = parseDuration(v);
    if (ms < min) throw new InvalidArgumentError(`must be at least ${min / 1000} s`);
    return ms;
  };
}
