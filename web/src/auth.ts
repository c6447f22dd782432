import { useEffect, useState } from 'preact/hooks';
import { apiKey, unauthorized } from './api.ts';

// Signing in: when the server answers 401 the dashboard asks for a key, keeps it
// in this browser's localStorage and sends it as `Authorization: Bearer`. Each
// sign-in or sign-out starts a new session, which remounts the page so every
// list loads again with the new key.

export interface AuthState {
  /** The server's reason while a key is asked for (missing, unknown, revoked); null otherwise. */
  prompt: string | null;
  /** Bumped at each sign-in and sign-out. */
  session: number;
  signedIn: boolean;
}

let state: AuthState = { prompt: null, session: 0, signedIn: apiKey.get() !== '' };
const listeners = new Set<() => void>();
const update = (change: Partial<AuthState>) => {
  state = { ...state, ...change };
  for (const l of listeners) l();
};

unauthorized.add((message) => update({ prompt: message }));

export const signIn = (key: string) => {
  apiKey.set(key);
  update({ prompt: null, session: state.session + 1, signedIn: true });
};

export const signOut = () => {
  apiKey.set('');
  update({ prompt: null, session: state.session + 1, signedIn: false });
};

/** Opens the prompt without waiting for a 401 (the top bar's "Sign in"). */
export const askForKey = () => update({ prompt: '' });

export function useAuth(): AuthState {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return state;
}
