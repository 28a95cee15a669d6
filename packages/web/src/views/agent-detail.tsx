import { useCallback, useState, type ReactNode } from 'react';
import { Area, AreaChart, Tooltip, YAxis } from 'recharts';
import { Sized } from '../components/sized';
import { Card, Empty, ErrorNote, HealthBadge, LevelBadge, SeverityBadge, Skeleton, StateBadge, StatusBadge, TierBadge, Toast } from '../components/ui';
import { ApiError } from '../lib/api';
import { BLOCKER_LABEL, HEALTH_COLOR, STATE_COLOR, age, label, num, usd, when } from '../lib/format';
import type { Agent, AgentPerformance, Alert, Assignment, Heartbeat, Page, Session, Transition } from '../lib/types';
import { useData } from '../lib/use-data';
import { AgentActions } from './agent-actions';

interface Detail {
  agent: Agent;
  transitions: Transition[];
  heartbeats: Heartbeat[];
  alerts: Alert[];
  assignments: Assignment[];
  sessions: Session[];
  performance: AgentPerformance | null;
}

const optional = <T,>(p: Promise<T>, fallback: T): Promise<T> =>
  p.catch((e: unknown) => {
    // Routes a server may not have, or an agent key may not read, leave their widget empty.
    if (e instanceof ApiError && (e.status === 404 || e.status === 403)) return fallback;
    throw e;
  });

const emptyPage = { items: [], next_cursor: null };

export function AgentDetail({ agentId }: { agentId: string }) {
  const id = encodeURIComponent(agentId);
  const q = useData<Detail>(
    async (api) => {
      const [agent, transitions, heartbeats, alerts, assignments, sessions, performance] = await Promise.all([
        api.get<Agent>(`/api/agents/${id}`),
        api.get<Page<Transition>>(`/api/agents/${id}/transitions`, { order: 'desc', limit: 50 }),
        optional(api.get<Page<Heartbeat>>(`/api/agents/${id}/heartbeats`, { limit: 20 }), emptyPage),
        optional(api.get<Page<Alert>>('/api/alerts', { agent_id: agentId, limit: 50 }), emptyPage),
        api.get<Page<Assignment>>('/api/assignments', { agent_id: agentId, limit: 100 }),
        api.get<Page<Session>>(`/api/agents/${id}/sessions`, { limit: 20 }),
        optional(api.get<AgentPerformance>(`/api/agents/${id}/metrics`, { period: 'daily' }), null),
      ]);
      return {
        agent,
        transitions: transitions.items,
        heartbeats: heartbeats.items,
        alerts: alerts.items,
        assignments: assignments.items,
        sessions: sessions.items,
        performance,
      };
    },
    [agentId],
    // A small batch of heartbeats names its agents; a large one (agent_ids null) may hold this one.
    (e) => e.agent_id === agentId || (e.type === 'heartbeats' && beatIncludes(e.data, agentId)) || e.type.startsWith('alert'),
    1500,
  );
  const [toast, setToast] = useState<{ message: string; kind: 'ok' | 'error' } | null>(null);
  const clearToast = useCallback(() => setToast(null), []);

  const d = q.data;
  if (!d) {
    if (q.error instanceof ApiError && q.error.status === 404) return <Empty>No agent '{agentId}' in this workspace.</Empty>;
    return q.error ? <ErrorNote error={q.error} /> : <Skeleton h={480} />;
  }
  const a = d.agent;
  const open = d.assignments.filter((s) => s.status === 'active' || s.status === 'blocked');
  const current = open[0];

  return (
    <div className="grid" data-testid="agent-detail" data-agent-id={a.agent_id}>
      <section className="card profile">
        <div>
          <h2>
            <span data-testid="agent-name">{a.agent_name}</span>
            <StateBadge state={a.current_state} />
            <HealthBadge health={a.health} />
            <TierBadge tier={a.priority_tier} />
          </h2>
          <div className="muted mono">{a.agent_id}</div>
        </div>
        <AgentActions
          agent={a}
          openWork={open}
          onDone={(message, kind = 'ok') => {
            setToast({ message, kind });
            q.reload();
          }}
        />
        <div className="facts">
          <Fact label="Type" value={a.agent_type} />
          <Fact label="Team" value={a.team_id} />
          <Fact label="Pod" value={a.pod_id ? <a href={`#/pods/${encodeURIComponent(a.pod_id)}`}>{a.pod_id}</a> : '—'} />
          <Fact label="Owner" value={a.owner_id} />
          <Fact label="Secondary owner" value={a.secondary_owner_id ?? <span className="aging-warm">none</span>} />
          <Fact label="Last heartbeat" value={<span data-testid="last-seen">{age(a.last_seen_at)}</span>} />
          <Fact label="Model" value={a.model ?? a.model_profile} />
          <Fact label="Role" value={a.role ?? '—'} />
          <Fact label="Risk" value={a.risk_level} />
          <Fact label="Daily budget" value={a.cost_budget_daily === null ? '—' : usd(a.cost_budget_daily)} />
          <Fact label="Fired" value={<span data-testid="fired-count">{num(a.fired_count)}</span>} />
          <Fact label="Capabilities" value={a.capability_tags.join(', ')} />
        </div>
        {(a.health_reason || a.last_summary) && (
          <div className="reason">
            {a.health_reason && (
              <div>
                <strong>Health:</strong> <span data-testid="health-reason">{a.health_reason}</span>
              </div>
            )}
            {a.last_summary && (
              <div>
                <strong>Last said:</strong> {a.last_summary}
              </div>
            )}
          </div>
        )}
      </section>

      <PerformanceStrip heartbeats={d.heartbeats} performance={d.performance} agent={a} />

      <div className="grid g-12">
        <Card className="span-7" title="Timeline" hint="state changes, heartbeats and alerts, newest first" flush testId="timeline">
          <Timeline d={d} />
        </Card>
        <Card className="span-5" title="Current assignment" hint={open.length > 1 ? `${open.length} open` : undefined} testId="current-assignment">
          {current ? <AssignmentView s={current} /> : <Empty>No active assignment.</Empty>}
          {open.length > 1 && (
            <ul className="muted" style={{ margin: '10px 0 0', paddingLeft: 18 }}>
              {open.slice(1).map((s) => (
                <li key={s.assignment_id}>
                  {s.workstream_id}
                  {s.task_id ? ` / ${s.task_id}` : ''} ({s.status})
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card className="span-6" title="Last 20 summaries" hint="from heartbeats" flush testId="summaries">
          {d.heartbeats.filter((h) => h.summary).length === 0 ? (
            <Empty>No summaries reported yet.</Empty>
          ) : (
            <ul className="summaries">
              {d.heartbeats
                .filter((h) => h.summary)
                .map((h) => (
                  <li key={h.heartbeat_id}>
                    <span className="muted">{age(h.received_at).replace(' ago', '')}</span>
                    <span data-testid="summary">{h.summary}</span>
                  </li>
                ))}
            </ul>
          )}
        </Card>
        <Card className="span-6" title="Sessions" hint="newest first" flush testId="sessions">
          {d.sessions.length === 0 ? (
            <Empty>No sessions recorded.</Empty>
          ) : (
            <table className="tbl">
              <thead>
                <tr>
                  <th>Session</th>
                  <th>Channel</th>
                  <th className="num">Messages</th>
                  <th>Started</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {d.sessions.map((s) => (
                  <tr key={s.session_id} data-testid="session-row">
                    <td>
                      <span className="strong">{s.label ?? s.session_key}</span>
                      {s.context_summary && <div className="muted">{s.context_summary}</div>}
                    </td>
                    <td>{s.channel ?? '—'}</td>
                    <td className="num">{num(s.message_count)}</td>
                    <td className="muted">{when(s.started_at)}</td>
                    <td>{s.is_active ? <span className="badge b-status-resolved">active</span> : <span className="badge b-state">ended {age(s.ended_at)}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card className="span-7" title="Alerts" flush testId="agent-alerts">
          {d.alerts.length === 0 ? (
            <Empty>No alerts for this agent.</Empty>
          ) : (
            <table className="tbl">
              <tbody>
                {d.alerts.map((al) => (
                  <tr key={al.alert_id}>
                    <td>
                      <SeverityBadge severity={al.severity} />
                    </td>
                    <td className="strong">{label(al.kind)}</td>
                    <td>{al.summary}</td>
                    <td>
                      <StatusBadge status={al.status} />
                    </td>
                    <td>
                      <LevelBadge level={al.escalation_level} />
                    </td>
                    <td className="muted">{age(al.opened_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card className="span-5" title="Fire history" flush testId="fire-history">
          {a.fire_history.length === 0 ? (
            <Empty>Never fired.</Empty>
          ) : (
            <table className="tbl">
              <tbody>
                {[...a.fire_history].reverse().map((f) => (
                  <tr key={f.fired_at}>
                    <td className="strong" data-testid="fire-reason">
                      {f.reason}
                    </td>
                    <td>{f.context ?? <span className="muted">no context</span>}</td>
                    <td className="muted">
                      by {f.actor}, {when(f.fired_at)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      {toast && <Toast message={toast.message} kind={toast.kind} onDone={clearToast} />}
    </div>
  );
}

const Fact = ({ label: l, value }: { label: string; value: ReactNode }) => (
  <div className="fact">
    <div className="f-label">{l}</div>
    <div className="f-value">{value}</div>
  </div>
);

function Spark({ title, values, unit, color, testId }: { title: string; values: Array<number | null>; unit: string; color: string; testId: string }) {
  const data = values.map((v, i) => ({ i, v }));
  const latest = [...values].reverse().find((v) => v !== null) ?? null;
  return (
    <div className="spark">
      <div className="row">
        <span className="s-label">{title}</span>
        <span className="spacer" />
        <span className="s-value" data-testid={testId}>
          {latest === null ? '—' : `${num(latest)}${unit}`}
        </span>
      </div>
      {values.some((v) => v !== null) ? (
        <Sized height={54}>
          {(w, h) => (
            <AreaChart width={w} height={h} data={data} margin={{ top: 4, right: 0, bottom: 0, left: 0 }}>
              <YAxis hide domain={[0, 'dataMax']} />
              <Tooltip formatter={(v) => [`${num(Number(v))}${unit}`, title]} labelFormatter={() => ''} />
              <Area type="monotone" dataKey="v" stroke={color} fill={color} fillOpacity={0.15} strokeWidth={2} isAnimationActive={false} connectNulls />
            </AreaChart>
          )}
        </Sized>
      ) : (
        <div className="muted" style={{ height: 54, paddingTop: 16 }}>
          not reported
        </div>
      )}
    </div>
  );
}

function PerformanceStrip({ heartbeats, performance, agent }: { heartbeats: Heartbeat[]; performance: AgentPerformance | null; agent: Agent }) {
  const oldestFirst = [...heartbeats].reverse();
  const m = performance;
  return (
    <Card title="Performance" hint={`last ${heartbeats.length} heartbeats${m ? ' · invocations over the last day' : ''}`} testId="performance">
      <div className="strip">
        <Spark title="Latency p95" values={oldestFirst.map((h) => h.latency_p95_ms)} unit=" ms" color="#6366f1" testId="perf-latency" />
        <Spark title="Errors (1 h)" values={oldestFirst.map((h) => h.error_count_1h)} unit="" color="#dc2626" testId="perf-errors" />
        <Spark title="Token burn (1 h)" values={oldestFirst.map((h) => h.token_burn_1h)} unit="" color="#0284c7" testId="perf-tokens" />
      </div>
      <div className="legend" style={{ marginTop: 10 }}>
        {m ? (
          <>
            <span>
              Invocations <b data-testid="perf-invocations">{num(m.total_invocations)}</b>
            </span>
            <span>
              Success rate <b>{(m.success_rate * 100).toFixed(1)}%</b>
            </span>
            <span>
              Avg execution <b>{num(Math.round(m.avg_execution_time_ms))} ms</b>
            </span>
            <span>
              Efficiency <b>{m.efficiency_score.toFixed(3)}</b>
            </span>
          </>
        ) : null}
        <span>
          Tasks <b>{num(agent.metrics.total_tasks)}</b> ({num(agent.metrics.successful_tasks)} ok, {num(agent.metrics.failed_tasks)} failed)
        </span>
        <span>
          Avg response <b>{num(Math.round(agent.metrics.avg_response_time_ms))} ms</b>
        </span>
        <span>
          Errors <b>{num(agent.error_count)}</b>
          {agent.last_error ? <span className="muted"> · last: {agent.last_error}</span> : null}
        </span>
      </div>
    </Card>
  );
}

type Entry = { at: string; kind: 'state' | 'heartbeat' | 'alert'; color: string; text: ReactNode; key: string };

function Timeline({ d }: { d: Detail }) {
  const entries: Entry[] = [
    ...d.transitions.map((t) => ({
      at: t.at,
      kind: 'state' as const,
      color: STATE_COLOR[t.to],
      key: `t${t.transition_id}`,
      text: (
        <>
          <strong>
            {t.from} → {t.to}
          </strong>{' '}
          <span className="muted">
            by {t.actor}: {t.reason}
          </span>
        </>
      ),
    })),
    ...d.heartbeats.map((h) => ({
      at: h.received_at,
      kind: 'heartbeat' as const,
      color: h.status === 'ok' ? HEALTH_COLOR.healthy : h.status === 'degraded' ? HEALTH_COLOR.at_risk : HEALTH_COLOR.breach,
      key: `h${h.heartbeat_id}`,
      text: (
        <>
          <strong>{h.status}</strong>, {h.work_mode}
          {h.summary ? <span className="muted"> — {h.summary}</span> : null}
        </>
      ),
    })),
    ...d.alerts.flatMap((al) => {
      const out: Entry[] = [
        { at: al.opened_at, kind: 'alert', color: HEALTH_COLOR.critical, key: `a${al.alert_id}o`, text: <><strong>{label(al.kind)}</strong> opened <span className="muted">— {al.summary}</span></> },
      ];
      if (al.acknowledged_at) out.push({ at: al.acknowledged_at, kind: 'alert', color: '#0284c7', key: `a${al.alert_id}a`, text: <>{label(al.kind)} acknowledged by {al.acknowledged_by}</> });
      if (al.resolved_at) out.push({ at: al.resolved_at, kind: 'alert', color: HEALTH_COLOR.healthy, key: `a${al.alert_id}r`, text: <>{label(al.kind)} resolved</> });
      return out;
    }),
  ].sort((x, y) => Date.parse(y.at) - Date.parse(x.at));
  if (entries.length === 0) return <Empty>Nothing has happened yet.</Empty>;
  return (
    <ul className="timeline">
      {entries.slice(0, 80).map((e) => (
        <li key={e.key} data-testid={`timeline-${e.kind}`}>
          <span className="t-at">{when(e.at).replace(' UTC', '')}</span>
          <span className="t-dot" style={{ background: e.color }} />
          <span className="t-text">
            <span className="t-kind">{e.kind}</span>
            {e.text}
          </span>
        </li>
      ))}
    </ul>
  );
}

function AssignmentView({ s }: { s: Assignment }) {
  const c = s.contract;
  return (
    <div className="grid" style={{ gap: 10 }}>
      <div className="row">
        <strong>{s.workstream_id}</strong>
        {s.task_id && <span className="muted">/ {s.task_id}</span>}
        <span className={`badge ${s.status === 'blocked' ? 'b-sev-P1' : 'b-status-acknowledged'}`}>{s.status}</span>
        {s.blocker_code && <span className="badge b-sev-P2">{BLOCKER_LABEL[s.blocker_code]}</span>}
        <span className="spacer" />
        <span className="muted">{s.role_on_task}</span>
      </div>
      <div className="row">
        <div className="progress" style={{ flex: 1 }}>
          <i style={{ width: `${s.percent_complete ?? 0}%` }} />
        </div>
        <span className="muted">{s.percent_complete ?? 0}%</span>
      </div>
      <div className="muted">
        Started {when(s.start_at)}
        {s.due_at ? ` · due ${when(s.due_at)}` : ''}
      </div>
      {c ? (
        <dl className="contract" data-testid="contract">
          <dt>Scope</dt>
          <dd>{c.scope}</dd>
          <ContractList title="Definition of done" items={c.definition_of_done} />
          <ContractList title="Dependencies" items={c.dependencies} />
          <ContractList title="Inputs" items={c.inputs} />
          <ContractList title="Non-goals" items={c.non_goals} />
          <ContractList title="Evidence" items={c.evidence} />
          {c.rollback && (
            <>
              <dt>Rollback</dt>
              <dd>{c.rollback}</dd>
            </>
          )}
        </dl>
      ) : (
        <div className="muted">No task contract attached.</div>
      )}
    </div>
  );
}

function ContractList({ title, items }: { title: string; items: string[] }) {
  if (!items.length) return null;
  return (
    <>
      <dt>{title}</dt>
      <dd>
        <ul>
          {items.map((x) => (
            <li key={x}>{x}</li>
          ))}
        </ul>
      </dd>
    </>
  );
}

function beatIncludes(data: unknown, agentId: string): boolean {
  const ids = (data as { agent_ids?: unknown } | null | undefined)?.agent_ids;
  return !Array.isArray(ids) || ids.includes(agentId);
}
