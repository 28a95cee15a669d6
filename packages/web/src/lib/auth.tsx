import { createContext, useContext } from 'react';
import type { Api } from './api';
import type { Me } from './types';

export interface Auth {
  api: Api;
  me: Me;
  signOut(): void;
}

export const AuthContext = createContext<Auth | null>(null);

export function useAuth(): Auth {
  const a = useContext(AuthContext);
  if (!a) throw new Error('useAuth outside a signed-in tree');
  return a;
}
