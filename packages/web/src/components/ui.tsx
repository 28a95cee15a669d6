import { useEffect, useRef, type ReactNode } from 'react';
import { HEALTH_COLOR, HEALTH_LABEL, STATE_COLOR, label } from '../lib/format';
import type { AgentState, AlertSeverity, AlertStatus, Health, PriorityTier } from '../lib/types';

export function Card(props: { title?: ReactNode; hint?: ReactNode; actions?: ReactNode; className?: string; flush?: boolean; children: ReactNode; testId?: string }) {
  return (
    <section className={`card ${props.className ?? ''}`} data-testid={props.testId}>
      {(props.title || props.actions) && (
        <header className="card-head">
          {props.title && <h2>{props.title}</h2>}
          {props.hint && <span className="hint">{props.hint}</span>}
          {props.actions && <div className="actions">{props.actions}</div>}
        </header>
      )}
      <div className={`card-body ${props.flush ? 'flush' : ''}`}>{props.children}</div>
    </section>
  );
}

export function Kpi(props: { label: string; value: ReactNode; foot?: ReactNode; bad?: boolean; testId?: string }) {
  return (
    <section className={`card kpi ${props.bad ? 'accent-bad' : ''}`}>
      <span className="k-label">{props.label}</span>
      <span className="k-value" data-testid={props.testId}>
        {props.value}
      </span>
      {props.foot && <span className="k-foot">{props.foot}</span>}
    </section>
  );
}

export function HealthBadge({ health }: { health: Health }) {
  return (
    <span className="badge b-health" data-health={health}>
      <i style={{ background: HEALTH_COLOR[health] }} />
      {HEALTH_LABEL[health]}
    </span>
  );
}

export function StateBadge({ state }: { state: AgentState }) {
  return (
    <span className="badge b-state" data-state={state}>
      <i style={{ background: STATE_COLOR[state] }} />
      {state}
    </span>
  );
}

export const TierBadge = ({ tier }: { tier: PriorityTier }) => <span className="badge b-tier">{tier}</span>;
export const SeverityBadge = ({ severity }: { severity: AlertSeverity }) => <span className={`badge b-sev-${severity}`}>{severity}</span>;
export const StatusBadge = ({ status }: { status: AlertStatus }) => <span className={`badge b-status-${status}`}>{label(status)}</span>;

export function LevelBadge({ level }: { level: number }) {
  return (
    <span className={`badge b-level ${level > 0 ? 'up' : ''}`} title={level > 0 ? 'Escalated to the workforce manager' : 'Owner, secondary owner and pod lead'}>
      L{level}
    </span>
  );
}

export const Empty = ({ children }: { children: ReactNode }) => <div className="empty">{children}</div>;

export function ErrorNote({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <div className="note error" role="alert">
      {error.message}
    </div>
  );
}

export const Skeleton = ({ h = 16 }: { h?: number }) => <div className="skeleton" style={{ height: h }} />;

export function Dialog(props: { title: string; onClose(): void; children: ReactNode; testId?: string }) {
  const close = useRef(props.onClose);
  close.current = props.onClose;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={props.title} data-testid={props.testId}>
        <h3>{props.title}</h3>
        {props.children}
      </div>
    </div>
  );
}

export function Toast({ message, kind, onDone }: { message: string; kind: 'ok' | 'error'; onDone(): void }) {
  useEffect(() => {
    const t = setTimeout(onDone, 4000);
    return () => clearTimeout(t);
  }, [message, onDone]);
  return (
    <div className={`toast ${kind === 'error' ? 'error' : ''}`} role="status">
      {message}
    </div>
  );
}
