import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

/** One change announced by GET /api/events, or `overflow` for a burst too large to list. */
export interface LiveEvent {
  type: string;
  agent_id: string | null;
  data: unknown;
}

export type LiveStatus = 'connecting' | 'live' | 'offline';

interface LiveHub {
  status: LiveStatus;
  subscribe(fn: (e: LiveEvent) => void): () => void;
}

const Ctx = createContext<LiveHub>({ status: 'offline', subscribe: () => () => undefined });

/** One EventSource per tab, shared by every widget that wants to hear of changes. */
export function LiveProvider({ children, enabled }: { children: ReactNode; enabled: boolean }) {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const listeners = useRef(new Set<(e: LiveEvent) => void>());

  useEffect(() => {
    if (!enabled) return;
    let es: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const emit = (e: LiveEvent) => {
      for (const l of listeners.current) l(e);
    };
    const connect = () => {
      setStatus('connecting');
      es = new EventSource('/api/events');
      es.addEventListener('ready', () => setStatus('live'));
      es.addEventListener('change', (m) => emit(JSON.parse((m as MessageEvent<string>).data) as LiveEvent));
      es.addEventListener('overflow', () => emit({ type: 'overflow', agent_id: null, data: null }));
      es.onerror = () => {
        if (!es || es.readyState !== EventSource.CLOSED) {
          setStatus('connecting');
          return;
        }
        // The browser gives up on a refused stream (e.g. 401); try again on our own schedule.
        setStatus('offline');
        es = null;
        if (!stopped) retry = setTimeout(connect, 5000);
      };
    };
    connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      es?.close();
    };
  }, [enabled]);

  const hub = useMemo<LiveHub>(
    () => ({
      status,
      subscribe: (fn) => {
        listeners.current.add(fn);
        return () => listeners.current.delete(fn);
      },
    }),
    [status],
  );
  return <Ctx.Provider value={hub}>{children}</Ctx.Provider>;
}

export const useLiveStatus = (): LiveStatus => useContext(Ctx).status;

/**
 * Calls `onChange` after matching changes, at most once per `minGapMs`: a fleet heartbeating in
 * bursts becomes a steady, cheap refresh instead of a storm of refetches.
 */
export function useLive(onChange: () => void, matches: (e: LiveEvent) => boolean = () => true, minGapMs = 1000): void {
  const { subscribe } = useContext(Ctx);
  const latest = useRef({ onChange, matches });
  latest.current = { onChange, matches };
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const fire = () => {
      timer = undefined;
      last = Date.now();
      latest.current.onChange();
    };
    const off = subscribe((e) => {
      if (e.type !== 'overflow' && !latest.current.matches(e)) return;
      if (timer) return;
      // A short settle delay lets a burst of related writes land before we read them back.
      timer = setTimeout(fire, Math.max(150, minGapMs - (Date.now() - last)));
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [subscribe, minGapMs]);
}
