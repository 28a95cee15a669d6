import { useEffect, useState } from 'react';
import { Dialog } from '../components/ui';
import { ApiError } from '../lib/api';
import { useAuth } from '../lib/auth';
import { FIRE_REASONS, LEGAL, type Agent, type AgentState, type Assignment, type FireReason } from '../lib/types';

interface Props {
  agent: Agent;
  openWork: Assignment[];
  onDone(message: string, kind?: 'ok' | 'error'): void;
}

type Open = null | { kind: 'move'; to: AgentState; verb: string } | { kind: 'fire' } | { kind: 'reassign' };

const MOVES: Array<{ to: AgentState; verb: string; hint: string }> = [
  { to: 'paused', verb: 'Pause', hint: 'Stop it for maintenance or load shedding' },
  { to: 'ready', verb: 'Resume', hint: 'Back to ready for assignment' },
  { to: 'escalated', verb: 'Escalate', hint: 'Raise its blocker to the owner and pod lead' },
  { to: 'retired', verb: 'Retire', hint: 'Remove it from the active workforce' },
];

const errText = (e: unknown): string => (e instanceof ApiError ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e));

/** The actions of seed 000 §6.3 and the fire button of seed 003; shown only to keys that may take them. */
export function AgentActions({ agent, openWork, onDone }: Props) {
  const { me } = useAuth();
  const [open, setOpen] = useState<Open>(null);
  if (!me.can.operate) return null;
  const legal = LEGAL[agent.current_state];
  const gone = agent.current_state === 'retired' || agent.current_state === 'archived';
  // Resume only makes sense from paused; from elsewhere "ready" is a different, routine move.
  const moves = MOVES.filter((m) => m.to !== 'ready' || agent.current_state === 'paused');
  return (
    <div className="actions-bar" data-testid="agent-actions">
      {moves.map((m) => (
        <button
          key={m.to}
          type="button"
          className="btn"
          disabled={!legal.includes(m.to)}
          title={legal.includes(m.to) ? m.hint : `Not possible from ${agent.current_state}`}
          onClick={() => setOpen({ kind: 'move', to: m.to, verb: m.verb })}
          data-testid={`action-${m.verb.toLowerCase()}`}
        >
          {m.verb}
        </button>
      ))}
      <button
        type="button"
        className="btn"
        disabled={openWork.length === 0}
        title={openWork.length ? 'Hand its open work to another agent' : 'It has no open work'}
        onClick={() => setOpen({ kind: 'reassign' })}
        data-testid="action-reassign"
      >
        Reassign work
      </button>
      <button type="button" className="btn danger" disabled={gone} title={gone ? 'Already retired' : 'Retire it now and record why'} onClick={() => setOpen({ kind: 'fire' })} data-testid="action-fire">
        Fire…
      </button>
      {open?.kind === 'move' && <MoveDialog agent={agent} to={open.to} verb={open.verb} onClose={() => setOpen(null)} onDone={onDone} />}
      {open?.kind === 'fire' && <FireDialog agent={agent} onClose={() => setOpen(null)} onDone={onDone} />}
      {open?.kind === 'reassign' && <ReassignDialog agent={agent} work={openWork} onClose={() => setOpen(null)} onDone={onDone} />}
    </div>
  );
}

function MoveDialog({ agent, to, verb, onClose, onDone }: { agent: Agent; to: AgentState; verb: string; onClose(): void; onDone: Props['onDone'] }) {
  const { api } = useAuth();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setBusy(true);
    try {
      await api.post(`/api/agents/${encodeURIComponent(agent.agent_id)}/transitions`, { to, reason: reason.trim() });
      onClose();
      onDone(`${agent.agent_name}: ${agent.current_state} → ${to}`);
    } catch (e) {
      setError(errText(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={`${verb} ${agent.agent_name}`} onClose={onClose} testId="move-dialog">
      <p className="muted" style={{ margin: 0 }}>
        {agent.current_state} → <strong>{to}</strong>. The reason goes into the audit trail.
      </p>
      <label className="field">
        <span>Reason</span>
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Why, in a sentence" autoFocus data-testid="move-reason" />
      </label>
      {error && <div className="note error">{error}</div>}
      <div className="foot">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="btn primary" disabled={busy || !reason.trim()} onClick={submit} data-testid="move-confirm">
          {verb}
        </button>
      </div>
    </Dialog>
  );
}

function FireDialog({ agent, onClose, onDone }: { agent: Agent; onClose(): void; onDone: Props['onDone'] }) {
  const { api } = useAuth();
  const [reason, setReason] = useState<FireReason | null>(null);
  const [context, setContext] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    if (!reason) return;
    setBusy(true);
    try {
      await api.post(`/api/agents/${encodeURIComponent(agent.agent_id)}/fire`, context.trim() ? { reason, context: context.trim() } : { reason });
      onClose();
      onDone(`${agent.agent_name} was fired (${reason}); its open work was handed off`);
    } catch (e) {
      setError(errText(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Fire ${agent.agent_name}`} onClose={onClose} testId="fire-dialog">
      <p className="muted" style={{ margin: 0 }}>
        Retires the agent now, hands off its active assignments and records the reason in its fire history.
      </p>
      <div className="reasons" role="radiogroup" aria-label="Reason">
        {FIRE_REASONS.map((r) => (
          <label key={r.value}>
            <input type="radio" name="fire-reason" value={r.value} checked={reason === r.value} onChange={() => setReason(r.value)} />
            <strong>{r.label}</strong>
            <small>{r.hint}</small>
          </label>
        ))}
      </div>
      <label className="field">
        <span>Context (optional)</span>
        <textarea value={context} onChange={(e) => setContext(e.target.value)} placeholder="What happened" data-testid="fire-context" />
      </label>
      {error && <div className="note error">{error}</div>}
      <div className="foot">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="btn danger" disabled={busy || !reason} onClick={submit} data-testid="fire-confirm">
          Fire agent
        </button>
      </div>
    </Dialog>
  );
}

function ReassignDialog({ agent, work, onClose, onDone }: { agent: Agent; work: Assignment[]; onClose(): void; onDone: Props['onDone'] }) {
  const { api } = useAuth();
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [candidates, setCandidates] = useState<Agent[]>([]);
  // Suggest pod mates that can take work; any agent id may still be typed.
  useEffect(() => {
    api
      .get<{ items: Agent[] }>('/api/agents', { limit: 200, ...(agent.pod_id ? { pod_id: agent.pod_id } : { team_id: agent.team_id }) })
      .then((p) => setCandidates(p.items.filter((a) => a.agent_id !== agent.agent_id && ['ready', 'assigned', 'executing'].includes(a.current_state))), () => undefined);
  }, [api, agent]);
  const submit = async () => {
    const to = target.trim();
    if (!to) return;
    setBusy(true);
    try {
      const other = await api.get<Agent>(`/api/agents/${encodeURIComponent(to)}`);
      // Each assignment moves in one server-side step: handed off and re-created together, or not at all.
      for (const w of work) await api.post(`/api/assignments/${encodeURIComponent(w.assignment_id)}/reassign`, { agent_id: other.agent_id });
      onClose();
      onDone(`${work.length} assignment${work.length === 1 ? '' : 's'} moved from ${agent.agent_name} to ${other.agent_name}`);
    } catch (e) {
      setError(errText(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Reassign work of ${agent.agent_name}`} onClose={onClose} testId="reassign-dialog">
      <p className="muted" style={{ margin: 0 }}>
        Each open assignment is created again for the other agent, with its contract, and this agent's copy is marked handed off.
      </p>
      <ul style={{ margin: 0, paddingLeft: 18 }}>
        {work.map((w) => (
          <li key={w.assignment_id}>
            {w.workstream_id}
            {w.task_id ? ` / ${w.task_id}` : ''} <span className="muted">({w.status})</span>
          </li>
        ))}
      </ul>
      <label className="field">
        <span>To agent (id)</span>
        <input type="text" value={target} onChange={(e) => setTarget(e.target.value)} placeholder="agent id" autoFocus list="reassign-candidates" data-testid="reassign-target" />
        <datalist id="reassign-candidates">
          {candidates.map((a) => (
            <option key={a.agent_id} value={a.agent_id}>
              {a.agent_name} · {a.current_state} · {a.health}
            </option>
          ))}
        </datalist>
      </label>
      {error && <div className="note error">{error}</div>}
      <div className="foot">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="btn primary" disabled={busy || !target.trim() || target.trim() === agent.agent_id} onClick={submit} data-testid="reassign-confirm">
          Reassign
        </button>
      </div>
    </Dialog>
  );
}
