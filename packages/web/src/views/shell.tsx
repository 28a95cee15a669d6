import { lazy, Suspense } from 'react';
import { Layout } from '../components/layout';
import { Skeleton } from '../components/ui';
import { useAuth } from '../lib/auth';
import type { Route } from '../lib/router';
import { syncServerNow } from '../lib/server-time';
import type { FleetSummary } from '../lib/types';
import { useData } from '../lib/use-data';
import { ExecutiveView } from './executive';

// Each view is its own chunk: opening the dashboard loads only what its first view needs.
const AgentDetail = lazy(() => import('./agent-detail').then((m) => ({ default: m.AgentDetail })));
const AgentsView = lazy(() => import('./agents').then((m) => ({ default: m.AgentsView })));
const AlertsView = lazy(() => import('./alerts').then((m) => ({ default: m.AlertsView })));
const PodsView = lazy(() => import('./pods').then((m) => ({ default: m.PodsView })));

const TITLES: Record<Route['view'], [string, string]> = {
  executive: ['Executive', 'Are we under control?'],
  pods: ['Pods', 'Rebalance work and clear blockers'],
  agents: ['Agents', 'The whole roster, live'],
  agent: ['Agent', 'Diagnose one agent'],
  alerts: ['Alerts', 'Open, acknowledged and resolved'],
};

export function Shell({ route }: { route: Route }) {
  const { me } = useAuth();
  // The summary is small and every view's header wants its open-alert count.
  const summary = useData<FleetSummary | null>(
    async (api) => {
      if (!me.can.read) return null;
      const s = await api.get<FleetSummary>('/api/fleet/summary');
      syncServerNow(s.generated_at);
      return s;
    },
    [me.can.read],
  );
  // Agent keys may read only their own agent.
  const effective: Route = !me.can.read && me.agent_id ? { view: 'agent', agentId: me.agent_id } : route;
  const [title, subtitle] = TITLES[effective.view];
  return (
    <Layout route={effective} title={title} subtitle={subtitle} openAlerts={summary.data?.open_alerts}>
      <Suspense fallback={<Skeleton h={400} />}>
        {effective.view === 'executive' && <ExecutiveView summary={summary} />}
        {effective.view === 'pods' && <PodsView podId={effective.podId} />}
        {effective.view === 'agents' && <AgentsView summary={summary.data ?? undefined} />}
        {effective.view === 'agent' && <AgentDetail key={effective.agentId} agentId={effective.agentId} />}
        {effective.view === 'alerts' && <AlertsView />}
      </Suspense>
    </Layout>
  );
}
