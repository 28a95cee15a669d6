import { DomainError } from '../domain/errors.js';

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : iso(ms));
export const ms = (isoTime: string): number => Date.parse(isoTime);
export const msOrNull = (isoTime: string | null | undefined): number | null => (isoTime ? Date.parse(isoTime) : null);

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === '') return fallback;
  return JSON.parse(text) as T;
}

/** Cursors are opaque to clients: the sort key of the last row, base64url-encoded. */
export function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    // Only shapes this server issues: keys are ids (no NUL) or row sequence numbers.
    if (typeof v === 'string' && !v.includes('\u0000') && v.length <= 256) return v;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  } catch {
    // fall through to the refusal below
  }
  throw new DomainError('validation_failed', 'cursor is not one this server issued', [{ path: 'cursor', message: 'invalid cursor' }]);
}

export function decodeStringCursor(cursor: string | undefined): string | undefined {
  const v = decodeCursor(cursor);
  if (v !== undefined && typeof v !== 'string') throw new DomainError('validation_failed', 'cursor is not one this server issued');
  return v;
}

export function decodeNumberCursor(cursor: string | undefined): number | undefined {
  const v = decodeCursor(cursor);
  if (v !== undefined && typeof v !== 'number') throw new DomainError('validation_failed', 'cursor is not one this server issued');
  return v;
}

/** Slices one extra row off a `limit + 1` query and makes the next cursor from the last kept row. */
export function pageOf<R, T>(rows: R[], limit: number, key: (r: R) => string | number, map: (r: R) => T): { items: T[]; next_cursor: string | null } {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), next_cursor: more && last !== undefined ? encodeCursor(key(last)) : null };
}
