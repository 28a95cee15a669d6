import { lazy, Suspense, useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Card, Empty, ErrorNote, HealthBadge, Kpi, Skeleton } from '../components/ui';
import { BLOCKER_LABEL, HEALTH_COLOR, HEALTH_LABEL, STATE_COLOR, day, num, usd } from '../lib/format';
import { serverNow } from '../lib/server-time';
import { agentHref, hrefOf } from '../lib/router';
import { STATES, type Agent, type FleetSummary, type Page } from '../lib/types';
import { useData, type Loaded } from '../lib/use-data';

const SLA = ['healthy', 'at_risk', 'breach', 'critical'] as const;

// The charting library is most of the code; the numbers render without waiting for it.
const chartsModule = () => import('./executive-charts');
const StateChart = lazy(() => chartsModule().then((m) => ({ default: m.StateChart })));
const ThroughputChart = lazy(() => chartsModule().then((m) => ({ default: m.ThroughputChart })));
const WorkloadChart = lazy(() => chartsModule().then((m) => ({ default: m.WorkloadChart })));
const BlockersChart = lazy(() => chartsModule().then((m) => ({ default: m.BlockersChart })));

function verdict(s: FleetSummary): { tone: 'ok' | 'warn' | 'bad'; title: string; text: string } {
  const h = s.health;
  const monitored = h.healthy + h.at_risk + h.breach + h.critical;
  const parts: string[] = [];
  if (h.critical) parts.push(`${num(h.critical)} critical`);
  if (h.breach) parts.push(`${num(h.breach)} in breach`);
  if (h.at_risk) parts.push(`${num(h.at_risk)} at risk`);
  if (s.open_alerts) parts.push(`${num(s.open_alerts)} unresolved alerts`);
  if (s.cost.agents_over_budget) parts.push(`${num(s.cost.agents_over_budget)} over budget`);
  const detail = parts.length ? parts.join(' · ') : `all ${num(monitored)} monitored agents healthy, nothing open`;
  if (h.critical > 0 || (monitored > 0 && h.breach / monitored > 0.05)) return { tone: 'bad', title: 'Not under control', text: detail };
  if (h.breach > 0 || h.at_risk > 0 || s.open_alerts > 0 || s.cost.agents_over_budget > 0) return { tone: 'warn', title: 'Under control, with attention needed', text: detail };
  return { tone: 'ok', title: 'Under control', text: detail };
}

export function ExecutiveView({ summary }: { summary: Loaded<FleetSummary | null> }) {
  const s = summary.data;
  const [groupBy, setGroupBy] = useState<'pod' | 'team'>('pod');
  // Fetch the charts' code as soon as the numbers are painted (effects run after paint).
  useEffect(() => void chartsModule(), []);
  if (!s) {
    return (
      <>
        <ErrorNote error={summary.error} />
        <div className="grid g-4">{[0, 1, 2, 3].map((i) => <Skeleton key={i} h={92} />)}</div>
        <div className="grid g-2">{[0, 1].map((i) => <Skeleton key={i} h={260} />)}</div>
      </>
    );
  }
  const v = verdict(s);
  const monitored = s.health.healthy + s.health.at_risk + s.health.breach + s.health.critical;
  const today = s.throughput[s.throughput.length - 1];
  const fortnight = s.throughput.reduce((a, t) => a + t.completed, 0);
  const presentStates = STATES.filter((st) => (s.agents_by_state[st] ?? 0) > 0);
  const teams = s.by_team.map((t) => ({ name: t.team_id, ...t.by_state }));
  const workload = (groupBy === 'pod'
    ? s.by_pod.map((p) => ({ name: p.pod_id ?? 'no pod', agents: p.agents, work: p.active_assignments }))
    : s.by_team.map((t) => ({ name: t.team_id, agents: t.agents, work: t.active_assignments }))
  )
    .sort((a, b) => b.work - a.work || b.agents - a.agents)
    .slice(0, 12);
  const groups = groupBy === 'pod' ? s.by_pod.length : s.by_team.length;

  return (
    <div className="grid" data-testid="executive" data-ready="true">
      <div className={`verdict ${v.tone}`} data-testid="verdict" data-tone={v.tone}>
        <span className="v-dot" />
        <span className="v-title">{v.title}</span>
        <span className="v-text">{v.text}</span>
      </div>

      <div className="grid g-4">
        <Kpi label="Agents" value={num(s.total_agents)} testId="kpi-total-agents" foot={`${num(monitored)} monitored · ${num(s.health.not_monitored)} not monitored`} />
        <Kpi
          label="Unresolved alerts"
          value={num(s.open_alerts)}
          testId="kpi-open-alerts"
          bad={s.open_alerts > 0}
          foot={
            <>
              open or acknowledged · <a href={hrefOf({ view: 'alerts' })}>review →</a>
            </>
          }
        />
        <Kpi
          label="Spend today"
          value={usd(s.cost.spent_today_usd)}
          testId="kpi-spend"
          foot={
            <>
              of <span data-testid="kpi-budget">{usd(s.cost.budget_daily_usd)}</span> daily budget · <span data-testid="kpi-over-budget">{num(s.cost.agents_over_budget)}</span> over
            </>
          }
          bad={s.cost.agents_over_budget > 0}
        />
        <Kpi label="Completed today" value={num(today?.completed ?? 0)} testId="kpi-completed-today" foot={`${num(fortnight)} in the last ${s.throughput.length} days`} />
      </div>

      <div className="grid g-12">
        <Card className="span-5" title="SLA health" hint="monitored agents, by heartbeat SLA" testId="sla-health">
          <div className="health-tiles">
            {SLA.map((h) => (
              <div key={h} className={`htile ${h}`}>
                <span className="n" data-testid={`health-${h}`}>
                  {num(s.health[h])}
                </span>
                <span className="l">{HEALTH_LABEL[h]}</span>
              </div>
            ))}
          </div>
          <div className="healthbar big" title="Share of monitored agents in each SLA state">
            {SLA.map((h) => (s.health[h] ? <i key={h} style={{ flex: s.health[h], background: HEALTH_COLOR[h] }} /> : null))}
          </div>
          <div className="muted">
            <span data-testid="health-not_monitored">{num(s.health.not_monitored)}</span> not monitored (registered, paused, retired or archived)
          </div>
          <NeedsAttention />
        </Card>

        <Card className="span-7" title="Agents by state" hint="stacked by team" testId="agents-by-state">
          <div className="legend">
            {STATES.map((st) => (
              <span key={st}>
                <i style={{ background: STATE_COLOR[st] }} />
                {st} <b data-testid={`state-${st}`}>{num(s.agents_by_state[st] ?? 0)}</b>
              </span>
            ))}
          </div>
          <Later h={220}>
            <StateChart teams={teams} states={presentStates} />
          </Later>
        </Card>

        <Card className="span-7" title="Throughput" hint="assignments completed per day (UTC)" testId="throughput">
          <Later h={220}>
            <ThroughputChart data={s.throughput.map((t) => ({ day: day(t.day), completed: t.completed }))} />
          </Later>
        </Card>

        <Card className="span-5" title="Cost burn" hint="today against the summed daily budgets" testId="cost-burn">
          <CostBurn s={s} />
        </Card>

        <Card
          className="span-7"
          title="Workload"
          hint={`agents and open assignments, top ${workload.length} of ${groups} ${groupBy === 'pod' ? 'pods' : 'teams'}`}
          testId="workload"
          actions={
            <div className="tabs" role="tablist">
              <button type="button" className={groupBy === 'pod' ? 'on' : ''} onClick={() => setGroupBy('pod')}>
                Pods
              </button>
              <button type="button" className={groupBy === 'team' ? 'on' : ''} onClick={() => setGroupBy('team')}>
                Teams
              </button>
            </div>
          }
        >
          <Later h={220}>
            <WorkloadChart data={workload} />
          </Later>
          <div className="legend">
            <span>
              <i style={{ background: '#94a3b8' }} />
              Agents
            </span>
            <span>
              <i style={{ background: '#6366f1' }} />
              Open assignments
            </span>
          </div>
        </Card>

        <Card className="span-5" title="Top blockers" hint="blocked assignments by cause" testId="blockers">
          {s.top_blockers.length === 0 ? (
            <Empty>No blocked assignments.</Empty>
          ) : (
            <>
              <Later h={Math.max(120, 40 * s.top_blockers.length + 20)}>
                <BlockersChart data={s.top_blockers.map((b) => ({ name: BLOCKER_LABEL[b.blocker_code] ?? b.blocker_code, count: b.count }))} />
              </Later>
              <div className="legend">
                {s.top_blockers.map((b) => (
                  <span key={b.blocker_code}>
                    {BLOCKER_LABEL[b.blocker_code] ?? b.blocker_code} <b data-testid={`blocker-${b.blocker_code}`}>{num(b.count)}</b>
                  </span>
                ))}
              </div>
            </>
          )}
        </Card>
      </div>
    </div>
  );
}

/** The worst few agents, so "who?" is one click from "how many?". */
function NeedsAttention() {
  const q = useData<Agent[]>(async (api) => {
    const [critical, breach] = await Promise.all([
      api.get<Page<Agent>>('/api/agents', { health: 'critical', limit: 4 }),
      api.get<Page<Agent>>('/api/agents', { health: 'breach', limit: 4 }),
    ]);
    return [...critical.items, ...breach.items].slice(0, 4);
  }, []);
  const list = q.data ?? [];
  if (list.length === 0) return null;
  return (
    <>
      <div className="card-head" style={{ padding: '14px 0 0' }}>
        <h2>Needs attention</h2>
      </div>
      <ul className="attention" data-testid="needs-attention">
        {list.map((a) => (
          <li key={a.agent_id}>
            <span style={{ minWidth: 0 }}>
              <a href={agentHref(a.agent_id)} className="strong">
                {a.agent_name}
              </a>{' '}
              <span className="why">{a.health_reason ?? ''}</span>
            </span>
            <HealthBadge health={a.health} />
          </li>
        ))}
      </ul>
    </>
  );
}


/** Spend against budget, next to how much of the UTC day has gone: ahead of the day is overspending. */
function CostBurn({ s }: { s: FleetSummary }) {
  const { spent_today_usd: spent, budget_daily_usd: budget, agents_over_budget: over } = s.cost;
  const pct = budget > 0 ? (spent / budget) * 100 : 0;
  const now = serverNow();
  const dayGone = ((now % 86_400_000) / 86_400_000) * 100;
  const tone = pct > 100 ? '#b91c1c' : pct > dayGone + 10 ? '#f59e0b' : '#16a34a';
  return (
    <div className="burn">
      <div className="row" style={{ alignItems: 'baseline' }}>
        <span className="burn-pct" style={{ color: tone }}>
          {budget > 0 ? `${pct.toFixed(0)}%` : 'no budget'}
        </span>
        <span className="muted">of the daily budget spent</span>
      </div>
      <div className="burn-bar" title={`${dayGone.toFixed(0)}% of the UTC day has gone`}>
        <i style={{ width: `${Math.min(pct, 100)}%`, background: tone }} />
        <b style={{ left: `${dayGone}%` }} />
      </div>
      <div className="burn-scale muted">
        <span>$0</span>
        <span>▲ {dayGone.toFixed(0)}% of the day gone</span>
        <span>{usd(budget)}</span>
      </div>
      <dl className="burn-facts">
        <div>
          <dt>Spent today</dt>
          <dd data-testid="cost-spent">{usd(spent)}</dd>
        </div>
        <div>
          <dt>Daily budget</dt>
          <dd data-testid="cost-budget">{usd(budget)}</dd>
        </div>
        <div>
          <dt>Agents over budget</dt>
          <dd className={over ? 'aging-hot' : ''}>{num(over)}</dd>
        </div>
      </dl>
    </div>
  );
}

/**
 * Charts are built one at a time, each in its own task, after the numbers are painted: building a
 * chart is a block of work the browser cannot interrupt, so a click waits for one chart at most,
 * never for all of them. They come in page order, the ones above the fold first.
 */
const turns: Array<() => void> = [];
let building = false;

function nextTurn(): void {
  if (building) return;
  const go = turns.shift();
  if (!go) return;
  building = true;
  setTimeout(go, 0);
}

function release(): void {
  building = false;
  nextTurn();
}

function Later({ h, children }: { h: number; children: ReactNode }) {
  const [show, setShow] = useState(false);
  const holding = useRef(false);
  useEffect(() => {
    let mine = true;
    const go = () => {
      if (!mine) return release();
      holding.current = true;
      setShow(true);
    };
    // Wait for the first frame with the numbers, then queue up.
    const raf = requestAnimationFrame(() => {
      turns.push(go);
      nextTurn();
    });
    return () => {
      mine = false;
      cancelAnimationFrame(raf);
      const i = turns.indexOf(go);
      if (i >= 0) turns.splice(i, 1);
      // Leaving before its chart was built must not stall the charts after it.
      if (holding.current) {
        holding.current = false;
        release();
      }
    };
  }, []);
  const done = useCallback(() => {
    if (!holding.current) return;
    holding.current = false;
    release();
  }, []);
  const placeholder = <div style={{ height: h }} />;
  return show ? (
    <Suspense fallback={placeholder}>
      <Built onBuilt={done}>{children}</Built>
    </Suspense>
  ) : (
    placeholder
  );
}

/** Hands the turn on once its chart is on the page (effects run after the commit). */
function Built({ children, onBuilt }: { children: ReactNode; onBuilt: () => void }) {
  useEffect(onBuilt, [onBuilt]);
  return children;
}
