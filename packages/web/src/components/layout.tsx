import type { ReactNode } from 'react';
import { useAuth } from '../lib/auth';
import { useLiveStatus } from '../lib/live';
import { hrefOf, type Route } from '../lib/router';
import { IconAgents, IconBell, IconGauge, IconPods, Logo } from './icons';

const NAV: Array<{ view: Route['view']; route: Route; label: string; icon: ReactNode }> = [
  { view: 'executive', route: { view: 'executive' }, label: 'Executive', icon: <IconGauge /> },
  { view: 'pods', route: { view: 'pods', podId: null }, label: 'Pods', icon: <IconPods /> },
  { view: 'agents', route: { view: 'agents' }, label: 'Agents', icon: <IconAgents /> },
  { view: 'alerts', route: { view: 'alerts' }, label: 'Alerts', icon: <IconBell /> },
];

export function Layout(props: { route: Route; title: ReactNode; subtitle?: ReactNode; openAlerts?: number; children: ReactNode }) {
  const { me, signOut } = useAuth();
  const live = useLiveStatus();
  const current = props.route.view === 'agent' ? 'agents' : props.route.view;
  const nav = me.can.read ? NAV : [];
  return (
    <div className="shell">
      <aside className="side">
        <div className="side-inner">
          <div className="brand">
            <Logo /> AetherBoard
          </div>
          <nav className="nav" aria-label="Views">
            {nav.map((n) => (
              <a key={n.view} href={hrefOf(n.route)} className={current === n.view ? 'active' : ''} aria-current={current === n.view ? 'page' : undefined}>
                {n.icon}
                {n.label}
                {n.view === 'alerts' && props.openAlerts ? (
                  <span className="count" data-testid="nav-open-alerts" title="Unresolved alerts">
                    {props.openAlerts}
                  </span>
                ) : null}
              </a>
            ))}
            {me.agent_id && (
              <a href={hrefOf({ view: 'agent', agentId: me.agent_id })} className="active">
                <IconAgents /> {me.agent_id}
              </a>
            )}
          </nav>
          <div className="side-foot">
            <span>
              Workspace <strong data-testid="workspace-name">{me.workspace_name}</strong>
            </span>
            <span>
              Signed in as <strong data-testid="role">{me.role}</strong>
              {me.member_id ? ` (${me.member_id})` : ''}
            </span>
            <button type="button" onClick={signOut} data-testid="sign-out">
              Sign out
            </button>
          </div>
        </div>
      </aside>
      <div className="main">
        <header className="topbar">
          <h1>{props.title}</h1>
          {props.subtitle && <span className="sub">{props.subtitle}</span>}
          <div className="right">
            {!me.can.operate && <span className="badge b-state">read-only</span>}
            <span className={`live live-${live === 'live' ? 'on' : live}`} data-testid="live-status" data-status={live} title="Changes appear as they happen">
              <i /> {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting' : 'Offline'}
            </span>
          </div>
        </header>
        <main className="content">{props.children}</main>
      </div>
    </div>
  );
}
