import { useState, type FormEvent } from 'react';
import { ApiError, whoAmI } from '../lib/api';
import { Logo } from '../components/icons';
import type { Me } from '../lib/types';

export function SignIn({ onSignedIn, notice }: { onSignedIn(key: string, me: Me, remember: boolean): void; notice?: string }) {
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string | null>(notice ?? null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const k = key.trim();
    if (!k) return;
    setBusy(true);
    setError(null);
    try {
      const me = await whoAmI<Me>(k);
      onSignedIn(k, me, remember);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That key is unknown or revoked.' : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <form onSubmit={submit} data-testid="sign-in">
        <div className="brand">
          <Logo /> AetherBoard
        </div>
        <p>Sign in with an API key of your workspace. Viewer keys see everything; operator keys can also act.</p>
        <label className="field">
          API key
          <input type="password" name="key" autoComplete="current-password" placeholder="ab_…" value={key} onChange={(e) => setKey(e.target.value)} autoFocus />
        </label>
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> Remember on this device
        </label>
        {error && (
          <div className="note error" role="alert">
            {error}
          </div>
        )}
        <button className="btn primary" type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
