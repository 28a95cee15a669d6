import { serverNow } from './server-time';
import type { AgentState, Health } from './types';

export const HEALTH_COLOR: Record<Health, string> = {
  healthy: '#16a34a',
  at_risk: '#f59e0b',
  breach: '#ea580c',
  critical: '#991b1b',
  not_monitored: '#94a3b8',
};

export const HEALTH_LABEL: Record<Health, string> = {
  healthy: 'Healthy',
  at_risk: 'At risk',
  breach: 'Breach',
  critical: 'Critical',
  not_monitored: 'Not monitored',
};

export const STATE_COLOR: Record<AgentState, string> = {
  registered: '#cbd5e1',
  ready: '#38bdf8',
  assigned: '#6366f1',
  executing: '#22c55e',
  blocked: '#f97316',
  degraded: '#eab308',
  escalated: '#dc2626',
  paused: '#a78bfa',
  retired: '#64748b',
  archived: '#334155',
};

export const BLOCKER_LABEL: Record<string, string> = {
  waiting_input: 'Waiting for input',
  tool_error: 'Tool error',
  dependency: 'Dependency',
  policy: 'Policy',
  unspecified: 'Unspecified',
};

export const label = (s: string): string => s.replace(/_/g, ' ');

const nf = new Intl.NumberFormat('en-US');
export const num = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : nf.format(n));

const usd2 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const usd = (n: number): string => usd2.format(n);

/** "42 s", "7 min", "3 h 5 min", "2 d": short enough for a table cell. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

export function age(iso: string | null | undefined): string {
  if (!iso) return 'never';
  return `${duration(serverNow() - Date.parse(iso))} ago`;
}

export const ageMs = (iso: string | null | undefined): number | null => (iso ? serverNow() - Date.parse(iso) : null);

const dt = new Intl.DateTimeFormat('en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'UTC' });
export const when = (iso: string | null | undefined): string => (iso ? `${dt.format(new Date(iso))} UTC` : '—');

const dayFmt = new Intl.DateTimeFormat('en-GB', { month: 'short', day: 'numeric', timeZone: 'UTC' });
export const day = (isoDay: string): string => dayFmt.format(new Date(`${isoDay}T00:00:00Z`));
