import { useCallback, useEffect, useMemo, useState } from 'react';
import { Api, ApiError, whoAmI } from './lib/api';
import { AuthContext, type Auth } from './lib/auth';
import { LiveProvider } from './lib/live';
import { useRoute } from './lib/router';
import { clearKey, loadKey, saveKey, setEventsCookie } from './lib/session';
import type { Me } from './lib/types';
import { Shell } from './views/shell';
import { SignIn } from './views/sign-in';

type SessionState = { phase: 'checking'; key: string } | { phase: 'signed-out'; notice?: string } | { phase: 'signed-in'; key: string; me: Me };

const expired = 'Your key is no longer valid; sign in again.';

export function App() {
  const [session, setSession] = useState<SessionState>(() => {
    const key = loadKey();
    return key ? { phase: 'checking', key } : { phase: 'signed-out' };
  });
  const route = useRoute();

  const signOut = useCallback((notice?: string) => {
    clearKey();
    setSession({ phase: 'signed-out', notice });
  }, []);

  const key = session.phase === 'signed-out' ? null : session.key;
  const api = useMemo(() => (key ? new Api(key, () => signOut(expired)) : null), [key, signOut]);

  // A stored key is checked again on load (it may have been revoked since); meanwhile the
  // summary every view shows is already on its way.
  useEffect(() => {
    if (session.phase !== 'checking' || !api) return;
    api.prefetch('/api/fleet/summary');
    if (route.view === 'agents') api.prefetch('/api/agents', { limit: 200 });
    whoAmI<Me>(session.key, api).then(
      (me) => {
        setEventsCookie(session.key);
        setSession({ phase: 'signed-in', key: session.key, me });
      },
      (err: unknown) => signOut(err instanceof ApiError && err.status === 401 ? expired : undefined),
    );
    // Only the first load prefetches (route is read, not watched); later views read what they need.
  }, [session, api, signOut]);

  const auth = useMemo<Auth | null>(() => {
    if (session.phase !== 'signed-in' || !api) return null;
    return { api, me: session.me, signOut: () => signOut() };
    // Only the first load prefetches (route is read, not watched); later views read what they need.
  }, [session, api, signOut]);

  if (session.phase === 'checking') return null;
  if (!auth) {
    return (
      <SignIn
        notice={session.phase === 'signed-out' ? session.notice : undefined}
        onSignedIn={(key, me, remember) => {
          saveKey(key, remember);
          setSession({ phase: 'signed-in', key, me });
        }}
      />
    );
  }
  return (
    <AuthContext.Provider value={auth}>
      <LiveProvider enabled>
        <Shell route={route} />
      </LiveProvider>
    </AuthContext.Provider>
  );
}
