import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Card, ErrorNote, LevelBadge, SeverityBadge, StatusBadge, Toast } from '../components/ui';
import { ApiError } from '../lib/api';
import { useAuth } from '../lib/auth';
import { age, label, num, when } from '../lib/format';
import { useLive } from '../lib/live';
import { agentHref } from '../lib/router';
import { ALERT_KINDS, ALERT_STATUSES, SEVERITIES, type Alert, type AlertStatus, type Page, type Pod } from '../lib/types';

const PAGE = 200;
const ROW = 48;

interface Filters {
  status: AlertStatus;
  severity: string;
  kind: string;
  pod_id: string;
}

export function AlertsView() {
  const { api, me } = useAuth();
  const [filters, setFilters] = useState<Filters>({ status: 'open', severity: '', kind: '', pod_id: '' });
  const [rows, setRows] = useState<Alert[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>();
  const [pods, setPods] = useState<Pod[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [toast, setToast] = useState<{ message: string; kind: 'ok' | 'error' } | null>(null);
  const clearToast = useCallback(() => setToast(null), []);
  const scroller = useRef<HTMLDivElement>(null);
  const generation = useRef(0);
  const loading = useRef(false);

  useEffect(() => {
    api.all<Pod>('/api/pods', {}, 1000).then((r) => setPods(r.items), () => undefined);
  }, [api]);

  /** `keep` re-reads as many rows as are loaded, so a refresh never throws away the scroll position. */
  const load = useCallback(
    async (mode: 'reset' | 'more' | 'keep') => {
      if (mode === 'more' && loading.current) return;
      const gen = mode === 'more' ? generation.current : ++generation.current;
      loading.current = true;
      try {
        const limit = mode === 'keep' ? Math.min(1000, Math.max(PAGE, rows.length)) : PAGE;
        const page = await api.get<Page<Alert>>('/api/alerts', { ...filters, limit, cursor: mode === 'more' ? (cursor ?? undefined) : undefined });
        if (gen !== generation.current) return;
        setRows((r) => (mode === 'more' ? [...r, ...page.items] : page.items));
        setCursor(page.next_cursor);
        setError(undefined);
      } catch (e) {
        if (gen === generation.current) setError(e as Error);
      } finally {
        if (gen === generation.current) loading.current = false;
      }
    },
    [api, filters, cursor, rows.length],
  );
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    setRows([]);
    setCursor(undefined);
    scroller.current?.scrollTo({ top: 0 });
    void loadRef.current('reset');
  }, [api, filters]);

  useLive(() => void loadRef.current('keep'), (e) => e.type.startsWith('alert') || e.type.startsWith('agent.health'));

  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 10 });
  const items = virtual.getVirtualItems();
  const lastShown = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (cursor && lastShown >= rows.length - 30) void load('more');
  }, [lastShown, rows.length, cursor, load]);

  const act = async (al: Alert, verb: 'ack' | 'resolve') => {
    setBusy(al.alert_id);
    try {
      const updated = await api.post<Alert>(`/api/alerts/${encodeURIComponent(al.alert_id)}/${verb}`, {});
      setRows((r) => r.map((x) => (x.alert_id === al.alert_id ? updated : x)));
      setToast({ message: `${label(al.kind)} ${verb === 'ack' ? 'acknowledged' : 'resolved'}`, kind: 'ok' });
    } catch (e) {
      setToast({ message: e instanceof ApiError ? e.message : String(e), kind: 'error' });
    } finally {
      setBusy(null);
    }
  };

  const set = (k: keyof Filters, v: string) => setFilters((f) => ({ ...f, [k]: v }));

  return (
    <Card
      title={
        <div className="tabs" role="tablist" data-testid="alert-status-tabs">
          {ALERT_STATUSES.map((s) => (
            <button key={s} type="button" role="tab" aria-selected={filters.status === s} className={filters.status === s ? 'on' : ''} onClick={() => set('status', s)}>
              {label(s)}
            </button>
          ))}
        </div>
      }
      hint={<span data-testid="alerts-count">{`${num(rows.length)} ${label(filters.status)}${cursor ? ', more as you scroll' : ''}`}</span>}
      flush
      testId="alerts"
    >
      <div className="filters">
        <label>
          Severity
          <select value={filters.severity} onChange={(e) => set('severity', e.target.value)} data-testid="filter-severity">
            <option value="">any</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <select value={filters.kind} onChange={(e) => set('kind', e.target.value)} data-testid="filter-kind">
            <option value="">any</option>
            {ALERT_KINDS.map((k) => (
              <option key={k} value={k}>
                {label(k)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Pod
          <select value={filters.pod_id} onChange={(e) => set('pod_id', e.target.value)} data-testid="filter-alert-pod">
            <option value="">any</option>
            {pods.map((p) => (
              <option key={p.pod_id} value={p.pod_id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={error} />
      <div className="vhead cols-alerts">
        <span>Sev</span>
        <span>Kind</span>
        <span>Agent</span>
        <span>Summary</span>
        <span>Opened</span>
        <span>Level</span>
        <span>Status</span>
        <span />
      </div>
      <div className="vlist" ref={scroller} data-testid="alerts-list">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((it) => {
            const al = rows[it.index]!;
            return (
              <div key={al.alert_id} className="vrow cols-alerts" style={{ top: it.start, height: ROW, cursor: 'default' }} data-testid="alert-row" data-alert-id={al.alert_id} data-status={al.status}>
                <span>
                  <SeverityBadge severity={al.severity} />
                </span>
                <span className="strong">{label(al.kind)}</span>
                <span>{al.agent_id ? <a href={agentHref(al.agent_id)}>{al.agent_id}</a> : <span className="muted">fleet</span>}</span>
                <span title={al.summary}>{al.summary}</span>
                <span className="muted" title={when(al.opened_at)}>
                  {age(al.opened_at)}
                </span>
                <span data-testid="alert-level">
                  <LevelBadge level={al.escalation_level} />
                </span>
                <span title={al.acknowledged_by ? `by ${al.acknowledged_by}` : undefined}>
                  <StatusBadge status={al.status} />
                </span>
                <span className="row" style={{ justifyContent: 'flex-end', flexWrap: 'nowrap' }}>
                  {me.can.operate && al.status === 'open' && (
                    <button type="button" className="btn small" disabled={busy === al.alert_id} onClick={() => act(al, 'ack')} data-testid="alert-ack">
                      Acknowledge
                    </button>
                  )}
                  {me.can.operate && al.status !== 'resolved' && (
                    <button type="button" className="btn small" disabled={busy === al.alert_id} onClick={() => act(al, 'resolve')} data-testid="alert-resolve">
                      Resolve
                    </button>
                  )}
                </span>
              </div>
            );
          })}
        </div>
        {rows.length === 0 && !error && <div className="empty">{cursor === undefined ? 'Loading…' : `No ${label(filters.status)} alerts match.`}</div>}
      </div>
      {toast && <Toast message={toast.message} kind={toast.kind} onDone={clearToast} />}
    </Card>
  );
}
