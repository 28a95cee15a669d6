import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, type Api } from './api';
import { useAuth } from './auth';
import { useLive, type LiveEvent } from './live';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * Loads what a widget shows and keeps it fresh: again when `deps` change, and after live changes
 * that `live` says concern it. Old data stays on screen while new data loads, so nothing flickers.
 */
export function useData<T>(
  load: (api: Api, signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  live: ((e: LiveEvent) => boolean) | false = () => true,
  minGapMs = 1000,
): Loaded<T> {
  const { api } = useAuth();
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const loader = useRef(load);
  loader.current = load;

  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loader.current(api, ctl.signal).then(
      (data) => {
        if (!ctl.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (ctl.signal.aborted) return;
        setState((s) => ({ data: s.data, error: error instanceof Error ? error : new Error(String(error)), loading: false }));
      },
    );
    return () => ctl.abort();
  }, [api, tick, ...deps]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  useLive(reload, live === false ? () => false : live, minGapMs);
  return { ...state, reload };
}
