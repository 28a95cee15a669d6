/** Output for people (aligned tables, key/value blocks) and for scripts (--json). */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export interface Column<T> {
  header: string;
  get: (row: T) => string | number | boolean | null | undefined;
  align?: 'left' | 'right';
  /** Longer cells are cut with an ellipsis. */
  max?: number;
}

const cell = (v: string | number | boolean | null | undefined): string => (v === null || v === undefined || v === '' ? '-' : String(v));

function cut(s: string, max: number | undefined): string {
  const flat = s.replace(/\s+/g, ' ');
  return max !== undefined && flat.length > max ? `${flat.slice(0, Math.max(1, max - 1))}…` : flat;
}

/** Columns padded to their widest cell, two spaces apart, header in capitals; no trailing spaces. */
export function renderTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
  const head = columns.map((c) => c.header.toUpperCase());
  const body = rows.map((r) => columns.map((c) => cut(cell(c.get(r)), c.max)));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => (columns[i]!.align === 'right' ? s.padStart(widths[i]!) : i === cells.length - 1 ? s : s.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

export function printTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>, empty = '(none)'): void {
  process.stdout.write(`${renderTable(rows, columns)}\n`);
  if (rows.length === 0) process.stdout.write(`${empty}\n`);
}

/** `label  value` lines with the labels aligned, for one object. */
export function renderFields(pairs: ReadonlyArray<readonly [string, unknown]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(w)}  ${fieldValue(v)}`.trimEnd()).join('\n');
}

export function printFields(pairs: ReadonlyArray<readonly [string, unknown]>): void {
  process.stdout.write(`${renderFields(pairs)}\n`);
}

function fieldValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  if (Array.isArray(v)) return v.length === 0 ? '-' : v.map(String).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A server timestamp as `2026-01-05 09:00:00Z`: exact, sortable and short. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '-';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** A duration as `1h05m`, `2m15s`, `40s` or `850ms`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  const neg = ms < 0;
  let x = Math.abs(ms);
  if (x < 1000) return `${neg ? '-' : ''}${Math.round(x)}ms`;
  x = Math.round(x / 1000);
  const d = Math.floor(x / 86_400);
  const h = Math.floor((x % 86_400) / 3600);
  const m = Math.floor((x % 3600) / 60);
  const s = x % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  let out: string;
  if (d > 0) out = `${d}d${two(h)}h`;
  else if (h > 0) out = `${h}h${two(m)}m`;
  else if (m > 0) out = `${m}m${two(s)}s`;
  else out = `${s}s`;
  return (neg ? '-' : '') + out;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Notes for people go to stderr so that stdout stays clean for pipes. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}
