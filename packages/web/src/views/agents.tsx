import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState, type ChangeEvent } from 'react';
import { Card, ErrorNote, HealthBadge, StateBadge, TierBadge } from '../components/ui';
import { useAuth } from '../lib/auth';
import { HEALTH_LABEL, age, num } from '../lib/format';
import { useLive, type LiveEvent } from '../lib/live';
import { agentHref, navigate } from '../lib/router';
import { HEALTHS, STATES, TIERS, type Agent, type FleetSummary, type Page, type Pod } from '../lib/types';

const PAGE = 200;
const ROW = 40;

interface Filters {
  state: string;
  health: string;
  priority_tier: string;
  team_id: string;
  pod_id: string;
}
const NONE: Filters = { state: '', health: '', priority_tier: '', team_id: '', pod_id: '' };

/** The exact size of the filtered roster, when the summary states it. */
function knownTotal(f: Filters, s: FleetSummary | undefined): number | null {
  if (!s) return null;
  const set = Object.entries(f).filter(([, v]) => v);
  if (set.length === 0) return s.total_agents;
  if (set.length > 1) return null;
  if (f.state) return s.agents_by_state[f.state] ?? 0;
  if (f.health) return s.health[f.health as keyof FleetSummary['health']] ?? 0;
  if (f.team_id) return s.by_team.find((t) => t.team_id === f.team_id)?.agents ?? 0;
  return null;
}

export function AgentsView({ summary }: { summary: FleetSummary | undefined }) {
  const { api } = useAuth();
  const [filters, setFilters] = useState<Filters>(NONE);
  const [rows, setRows] = useState<Agent[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>();
  const [pods, setPods] = useState<Pod[]>([]);
  const loading = useRef(false);
  const generation = useRef(0);
  const scroller = useRef<HTMLDivElement>(null);

  useEffect(() => {
    api.all<Pod>('/api/pods', {}, 1000).then((r) => setPods(r.items), () => undefined);
  }, [api]);

  const loadMore = useCallback(
    async (reset: boolean) => {
      if (loading.current && !reset) return;
      const gen = reset ? ++generation.current : generation.current;
      loading.current = true;
      try {
        const page = await api.get<Page<Agent>>('/api/agents', { ...filters, limit: PAGE, cursor: reset ? undefined : (cursor ?? undefined) });
        if (gen !== generation.current) return;
        setRows((r) => (reset ? page.items : [...r, ...page.items]));
        setCursor(page.next_cursor);
        setError(undefined);
      } catch (e) {
        if (gen === generation.current) setError(e as Error);
      } finally {
        if (gen === generation.current) loading.current = false;
      }
    },
    [api, filters, cursor],
  );

  // New filters start from the first page.
  useEffect(() => {
    setRows([]);
    setCursor(undefined);
    scroller.current?.scrollTo({ top: 0 });
    void loadMore(true);
  }, [api, filters]);

  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 12 });
  const items = virtual.getVirtualItems();
  const lastShown = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (cursor && lastShown >= rows.length - 40) void loadMore(false);
  }, [lastShown, rows.length, cursor, loadMore]);

  // Live: re-read only the agents that changed and patch them in place; a burst reloads the top.
  const changed = useRef(new Set<string>());
  const [bump, setBump] = useState(0);
  useLive(
    () => setBump((b) => b + 1),
    (e: LiveEvent) => {
      if (e.type === 'overflow' || e.type === 'agent.registered' || !e.agent_id) changed.current.add('*');
      else changed.current.add(e.agent_id);
      return true;
    },
  );
  useEffect(() => {
    if (bump === 0) return;
    const ids = [...changed.current];
    changed.current.clear();
    if (ids.includes('*') || ids.length > 25) {
      if (rows.length <= PAGE) void loadMore(true);
      return;
    }
    const present = new Set(rows.map((r) => r.agent_id));
    const wanted = ids.filter((id) => present.has(id));
    void Promise.all(wanted.map((id) => api.get<Agent>(`/api/agents/${encodeURIComponent(id)}`).catch(() => null))).then((fresh) => {
      const byId = new Map(fresh.filter((a): a is Agent => a !== null).map((a) => [a.agent_id, a]));
      if (byId.size) setRows((r) => r.map((a) => byId.get(a.agent_id) ?? a));
    });
  }, [bump]);

  const total = knownTotal(filters, summary);
  const set = (k: keyof Filters) => (e: ChangeEvent<HTMLSelectElement>) => setFilters((f) => ({ ...f, [k]: e.target.value }));
  const teams = summary?.by_team.map((t) => t.team_id) ?? [];

  return (
    <Card
      title="Roster"
      hint={
        <span data-testid="agents-count">
          {total !== null ? `${num(rows.length)} of ${num(total)} shown` : `${num(rows.length)} shown${cursor ? ', more as you scroll' : ''}`}
        </span>
      }
      flush
      testId="agents"
    >
      <div className="filters">
        <label>
          State
          <select value={filters.state} onChange={set('state')} data-testid="filter-state">
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Health
          <select value={filters.health} onChange={set('health')} data-testid="filter-health">
            <option value="">any</option>
            {HEALTHS.map((h) => (
              <option key={h} value={h}>
                {HEALTH_LABEL[h]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tier
          <select value={filters.priority_tier} onChange={set('priority_tier')}>
            <option value="">any</option>
            {TIERS.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Team
          <select value={filters.team_id} onChange={set('team_id')}>
            <option value="">any</option>
            {teams.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Pod
          <select value={filters.pod_id} onChange={set('pod_id')} data-testid="filter-pod">
            <option value="">any</option>
            {pods.map((p) => (
              <option key={p.pod_id} value={p.pod_id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        {Object.values(filters).some(Boolean) && (
          <button type="button" className="btn small" onClick={() => setFilters(NONE)}>
            Clear filters
          </button>
        )}
      </div>
      <ErrorNote error={error} />
      <div className="vhead cols-agents">
        <span>Agent</span>
        <span>State</span>
        <span>Health</span>
        <span>Tier</span>
        <span>Team</span>
        <span>Pod</span>
        <span>Owner</span>
        <span>Heartbeat</span>
        <span>Doing</span>
      </div>
      <div className="vlist" ref={scroller} data-testid="agents-list">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((it) => {
            const a = rows[it.index]!;
            return (
              <a
                key={a.agent_id}
                href={agentHref(a.agent_id)}
                className="vrow cols-agents"
                style={{ top: it.start, color: 'inherit', textDecoration: 'none' }}
                data-testid="agent-row"
                data-agent-id={a.agent_id}
                onClick={(e) => {
                  if (e.metaKey || e.ctrlKey) return;
                  e.preventDefault();
                  navigate({ view: 'agent', agentId: a.agent_id });
                }}
              >
                <span>
                  <span className="name">{a.agent_name}</span> {a.agent_name !== a.agent_id && <span className="id mono">{a.agent_id}</span>}
                </span>
                <span>
                  <StateBadge state={a.current_state} />
                </span>
                <span>
                  <HealthBadge health={a.health} />
                </span>
                <span>
                  <TierBadge tier={a.priority_tier} />
                </span>
                <span>{a.team_id}</span>
                <span>{a.pod_id ?? <span className="muted">—</span>}</span>
                <span>{a.owner_id}</span>
                <span className="muted">{age(a.last_seen_at)}</span>
                <span className="muted" title={a.last_summary ?? ''}>
                  {a.last_summary ?? ''}
                </span>
              </a>
            );
          })}
        </div>
        {rows.length === 0 && !error && <div className="empty">{cursor === undefined ? 'Loading…' : 'No agents match these filters.'}</div>}
      </div>
    </Card>
  );
}
