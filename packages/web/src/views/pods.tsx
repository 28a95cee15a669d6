import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import { Sized } from '../components/sized';
import { Card, Empty, ErrorNote, HealthBadge, Skeleton, StateBadge, TierBadge } from '../components/ui';
import { BLOCKER_LABEL, HEALTH_COLOR, HEALTH_LABEL, age, ageMs, duration, num, when } from '../lib/format';
import { agentHref, navigate } from '../lib/router';
import { HEALTHS, type Agent, type Alert, type Assignment, type Member, type Pod } from '../lib/types';
import { useData } from '../lib/use-data';

const axis = { fontSize: 11, fill: '#64748b' };
/** Seed 000 §7: how long a tier may stay blocked before it must escalate. */
const BLOCK_LIMIT_MS: Record<string, number> = { P0: 15 * 60_000, P1: 45 * 60_000, P2: 120 * 60_000 };

interface PodData {
  pods: Pod[];
  pod: Pod | null;
  agents: Agent[];
  truncated: boolean;
  blocked: Array<Assignment & { agent: Agent }>;
  members: Map<string, Member>;
  openAlerts: number;
}

export function PodsView({ podId }: { podId: string | null }) {
  const q = useData<PodData>(
    async (api) => {
      const pods = (await api.all<Pod>('/api/pods', {}, 1000)).items.sort((a, b) => a.name.localeCompare(b.name));
      const pod = pods.find((p) => p.pod_id === podId) ?? pods[0] ?? null;
      if (!pod) return { pods, pod, agents: [], truncated: false, blocked: [], members: new Map(), openAlerts: 0 };
      const [agents, blocked, members, alerts] = await Promise.all([
        api.all<Agent>('/api/agents', { pod_id: pod.pod_id }, 2000),
        api.all<Assignment>('/api/assignments', { status: 'blocked', pod_id: pod.pod_id }, 5000),
        api.all<Member>('/api/members', {}, 5000),
        api.all<Alert>('/api/alerts', { pod_id: pod.pod_id, status: 'open' }, 1000).catch(() => ({ items: [] as Alert[], truncated: false })),
      ]);
      const byId = new Map(agents.items.map((a) => [a.agent_id, a]));
      return {
        pods,
        pod,
        agents: agents.items,
        truncated: agents.truncated,
        blocked: blocked.items.flatMap((s) => (byId.has(s.agent_id) ? [{ ...s, agent: byId.get(s.agent_id)! }] : [])),
        members: new Map(members.items.map((m) => [m.member_id, m])),
        openAlerts: alerts.items.length,
      };
    },
    [podId],
  );

  const d = q.data;
  if (!d) return q.error ? <ErrorNote error={q.error} /> : <Skeleton h={400} />;
  if (!d.pod) return <Empty>No pods yet. Create one with POST /api/pods and assign agents to it.</Empty>;
  const pod = d.pod;
  const lead = d.members.get(pod.lead_id);
  const counts = HEALTHS.map((h) => ({ h, n: d.agents.filter((a) => a.health === h).length }));
  const live = d.agents.filter((a) => a.current_state !== 'retired' && a.current_state !== 'archived');
  const queue = live
    .map((a) => ({ name: a.agent_name, id: a.agent_id, depth: a.queue_depth ?? 0 }))
    .sort((a, b) => b.depth - a.depth)
    .slice(0, 15);
  const hotspots = live
    .map((a) => ({ name: a.agent_name, id: a.agent_id, errors: a.error_count }))
    .filter((a) => a.errors > 0)
    .sort((a, b) => b.errors - a.errors)
    .slice(0, 10);
  const gaps = live.flatMap((a) => {
    const owner = d.members.get(a.owner_id);
    const problems: string[] = [];
    if (!owner) problems.push('owner is not a member');
    else if (owner.status === 'left') problems.push(`owner ${owner.name} has left`);
    if (!a.secondary_owner_id) problems.push('no secondary owner');
    else if (d.members.get(a.secondary_owner_id)?.status === 'left') problems.push('secondary owner has left');
    return problems.length ? [{ agent: a, problems }] : [];
  });
  const blocked = [...d.blocked].sort((a, b) => Date.parse(a.blocked_at ?? a.updated_at) - Date.parse(b.blocked_at ?? b.updated_at));

  return (
    <div className="grid" data-testid="pods" data-pod-id={pod.pod_id}>
      {d.pods.length <= 10 ? (
        <div className="pod-tabs" role="tablist">
          {d.pods.map((p) => (
            <button key={p.pod_id} type="button" role="tab" aria-selected={p.pod_id === pod.pod_id} className={`pod-tab ${p.pod_id === pod.pod_id ? 'on' : ''}`} onClick={() => navigate({ view: 'pods', podId: p.pod_id })}>
              <span className="p-name">{p.name}</span>
              <span className="p-meta">
                {p.team_id} · {num(p.agent_count)} agents
              </span>
            </button>
          ))}
        </div>
      ) : (
        <label className="row">
          <span className="muted">Pod</span>
          <select value={pod.pod_id} onChange={(e) => navigate({ view: 'pods', podId: e.target.value })} data-testid="pod-select">
            {d.pods.map((p) => (
              <option key={p.pod_id} value={p.pod_id}>
                {p.name} ({p.team_id}, {p.agent_count})
              </option>
            ))}
          </select>
        </label>
      )}

      <div className="grid g-4">
        <section className="card kpi">
          <span className="k-label">Pod lead</span>
          <span className="k-value" style={{ fontSize: 18 }}>
            {lead?.name ?? pod.lead_id}
          </span>
          <span className="k-foot">team {pod.team_id}</span>
        </section>
        <section className="card kpi">
          <span className="k-label">Agents</span>
          <span className="k-value" data-testid="pod-agents">
            {num(pod.agent_count)}
          </span>
          <div className="healthbar" title={counts.map((c) => `${HEALTH_LABEL[c.h]} ${c.n}`).join(', ')}>
            {counts.map((c) => (c.n ? <i key={c.h} style={{ flex: c.n, background: HEALTH_COLOR[c.h] }} /> : null))}
          </div>
        </section>
        <section className={`card kpi ${blocked.length ? 'accent-bad' : ''}`}>
          <span className="k-label">Blocked assignments</span>
          <span className="k-value" data-testid="pod-blocked">
            {num(blocked.length)}
          </span>
          <span className="k-foot">{blocked[0] ? `oldest ${duration(ageMs(blocked[0].blocked_at ?? blocked[0].updated_at) ?? 0)}` : 'nothing blocked'}</span>
        </section>
        <section className={`card kpi ${d.openAlerts ? 'accent-bad' : ''}`}>
          <span className="k-label">Open alerts</span>
          <span className="k-value" data-testid="pod-open-alerts">
            {num(d.openAlerts)}
          </span>
          <span className="k-foot">
            <a href={`#/alerts`}>Review alerts →</a>
          </span>
        </section>
      </div>

      <Card title="Roster" hint={`live state and last heartbeat${d.truncated ? ' (first 2,000 agents)' : ''}`} flush testId="pod-roster">
        <div style={{ maxHeight: 360, overflow: 'auto' }}>
          <table className="tbl">
            <thead>
              <tr>
                <th>Agent</th>
                <th>State</th>
                <th>Health</th>
                <th>Tier</th>
                <th>Last heartbeat</th>
                <th className="num">Queue</th>
                <th className="num">Errors 1 h</th>
                <th>Doing</th>
              </tr>
            </thead>
            <tbody>
              {d.agents.map((a) => {
                return (
                  <tr key={a.agent_id} data-testid="pod-agent-row" data-agent-id={a.agent_id}>
                    <td>
                      <a href={agentHref(a.agent_id)} className="strong">
                        {a.agent_name}
                      </a>
                    </td>
                    <td>
                      <StateBadge state={a.current_state} />
                    </td>
                    <td>
                      <HealthBadge health={a.health} />
                    </td>
                    <td>
                      <TierBadge tier={a.priority_tier} />
                    </td>
                    <td data-testid="heartbeat-age">{age(a.last_seen_at)}</td>
                    <td className="num" data-testid="queue-depth">
                      {num(a.queue_depth)}
                    </td>
                    <td className="num">{num(a.error_count)}</td>
                    <td className="muted" style={{ maxWidth: 320, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                      {a.last_summary ?? ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {d.agents.length === 0 && <Empty>No agents in this pod.</Empty>}
        </div>
      </Card>

      <div className="grid g-12">
        <Card className="span-6" title="Queue depth" hint="pending tasks per agent, as last reported" testId="queue-chart">
          {queue.every((x) => x.depth === 0) ? (
            <Empty>Every queue is empty.</Empty>
          ) : (
            <Sized className="chart" height={220}>
              {(w, h) => (
                <BarChart width={w} height={h} data={queue} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
                  <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
                  <XAxis dataKey="name" tick={axis} tickLine={false} axisLine={false} interval={0} />
                  <YAxis tick={axis} tickLine={false} axisLine={false} allowDecimals={false} />
                  <Tooltip cursor={{ fill: '#f1f5f9' }} />
                  <Bar dataKey="depth" name="Queue depth" radius={[3, 3, 0, 0]} isAnimationActive={false}>
                    {queue.map((x) => (
                      <Cell key={x.id} fill={x.depth >= 50 ? '#ea580c' : x.depth >= 10 ? '#f59e0b' : '#6366f1'} />
                    ))}
                  </Bar>
                </BarChart>
              )}
            </Sized>
          )}
        </Card>
        <Card className="span-6" title="Error hotspots" hint="errors in the last hour, worst first" testId="hotspots">
          {hotspots.length === 0 ? (
            <Empty>No errors reported in the last hour.</Empty>
          ) : (
            <Sized className="chart" height={220}>
              {(w, h) => (
                <BarChart width={w} height={h} layout="vertical" data={hotspots} margin={{ top: 0, right: 28, bottom: 0, left: 8 }} barSize={16}>
                  <XAxis type="number" hide allowDecimals={false} />
                  <YAxis type="category" dataKey="name" width={120} tick={axis} tickLine={false} axisLine={false} />
                  <Tooltip cursor={{ fill: '#f1f5f9' }} />
                  <Bar dataKey="errors" name="Errors (1 h)" fill="#dc2626" radius={[0, 4, 4, 0]} isAnimationActive={false} label={{ position: 'right', fontSize: 12, fill: '#334155' }} />
                </BarChart>
              )}
            </Sized>
          )}
        </Card>
        <Card className="span-7" title="Aging blocked work" hint="oldest first; red past the tier's limit" flush testId="aging-blocked">
          {blocked.length === 0 ? (
            <Empty>Nothing is blocked in this pod.</Empty>
          ) : (
            <table className="tbl">
              <thead>
                <tr>
                  <th>Agent</th>
                  <th>Workstream / task</th>
                  <th>Blocker</th>
                  <th className="num">Blocked for</th>
                  <th>Due</th>
                </tr>
              </thead>
              <tbody>
                {blocked.map((s) => {
                  const ms = ageMs(s.blocked_at ?? s.updated_at) ?? 0;
                  const limit = BLOCK_LIMIT_MS[s.agent.priority_tier] ?? Infinity;
                  return (
                    <tr key={s.assignment_id} data-testid="blocked-row">
                      <td>
                        <a href={agentHref(s.agent_id)} className="strong">
                          {s.agent.agent_name}
                        </a>
                      </td>
                      <td>
                        {s.workstream_id}
                        {s.task_id ? <span className="muted"> / {s.task_id}</span> : null}
                      </td>
                      <td>{BLOCKER_LABEL[s.blocker_code ?? 'unspecified'] ?? s.blocker_code}</td>
                      <td className={`num ${ms > limit ? 'aging-hot' : ms > limit / 2 ? 'aging-warm' : ''}`}>{duration(ms)}</td>
                      <td className="muted">{when(s.due_at)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </Card>
        <Card className="span-5" title="Ownership gaps" hint="missing or departed owners" flush testId="ownership-gaps">
          {gaps.length === 0 ? (
            <Empty>Every agent has an owner and a secondary owner.</Empty>
          ) : (
            <table className="tbl">
              <tbody>
                {gaps.map((g) => (
                  <tr key={g.agent.agent_id} data-testid="gap-row">
                    <td>
                      <a href={agentHref(g.agent.agent_id)} className="strong">
                        {g.agent.agent_name}
                      </a>
                    </td>
                    <td className="muted">{g.problems.join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </div>
  );
}
