import { useEffect, useState } from 'react';

export type Route =
  | { view: 'executive' }
  | { view: 'pods'; podId: string | null }
  | { view: 'agents' }
  | { view: 'agent'; agentId: string }
  | { view: 'alerts' };

/** Hash routes (#/agents/a-1) work on any static host and never reach the server. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'pods':
      return { view: 'pods', podId: parts[1] ?? null };
    case 'agents':
      return parts[1] ? { view: 'agent', agentId: parts[1] } : { view: 'agents' };
    case 'alerts':
      return { view: 'alerts' };
    default:
      return { view: 'executive' };
  }
}

export function hrefOf(r: Route): string {
  switch (r.view) {
    case 'executive':
      return '#/';
    case 'pods':
      return r.podId ? `#/pods/${encodeURIComponent(r.podId)}` : '#/pods';
    case 'agents':
      return '#/agents';
    case 'agent':
      return `#/agents/${encodeURIComponent(r.agentId)}`;
    case 'alerts':
      return '#/alerts';
  }
}

export const agentHref = (agentId: string): string => hrefOf({ view: 'agent', agentId });

export function navigate(r: Route): void {
  location.hash = hrefOf(r);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
