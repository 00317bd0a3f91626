/**
 * The signed-in session: the API token lives in sessionStorage only (gone with the tab, never in a
 * URL or localStorage), and one BatchClient built from it. A 401 from any call ends the session
 * and returns to sign-in with the reason.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiRequestError, BatchClient } from '../../sdk/index.js';
import { DRAFT_KEY } from './builder/saved-draft.js';
import type { MessageKey } from './i18n/en.js';

const TOKEN_KEY = 'batch.token';
const ADMIN_KEY = 'batch.admin';

export interface Session {
  client: BatchClient;
  /** Whether the token is an admin's: the console shows owners and the Admin page. */
  admin: boolean;
  signOut: (reason?: MessageKey) => void;
}

interface SessionState {
  session: Session | undefined;
  /** Why the last session ended, shown on the sign-in page. */
  endedBecause: MessageKey | undefined;
  signIn: (token: string) => Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

function clientFor(token: string): BatchClient {
  return new BatchClient({ url: window.location.origin, token });
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY));
  const [admin, setAdmin] = useState(() => sessionStorage.getItem(ADMIN_KEY) === 'true');
  const [endedBecause, setEndedBecause] = useState<MessageKey | undefined>(undefined);

  // Back or Forward may restore an earlier page of this tab from the browser's cache as it was
  // left: a sign-in form although the tab has signed in since (or a page after a sign-out). The
  // tab's sessionStorage is current, so the restored page takes its session from there.
  useEffect(() => {
    const onPageShow = (event: PageTransitionEvent) => {
      if (!event.persisted) return;
      setAdmin(sessionStorage.getItem(ADMIN_KEY) === 'true');
      setToken(sessionStorage.getItem(TOKEN_KEY));
    };
    window.addEventListener('pageshow', onPageShow);
    return () => {
      window.removeEventListener('pageshow', onPageShow);
    };
  }, []);

  const signOut = useCallback((reason?: MessageKey) => {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ADMIN_KEY);
    // The job being built is the user's: the next one to sign in on this tab starts empty.
    sessionStorage.removeItem(DRAFT_KEY);
    setToken(null);
    setEndedBecause(reason);
  }, []);

  const signIn = useCallback(async (candidate: string) => {
    const client = clientFor(candidate);
    // Any authenticated read proves the token; a 401 here is thrown to the sign-in form.
    await client.listJobs({ limit: 1 });
    const isAdmin = await client.listUsers({ limit: 1 }).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ApiRequestError && error.status === 403) return false;
        throw error;
      },
    );
    sessionStorage.setItem(TOKEN_KEY, candidate);
    sessionStorage.setItem(ADMIN_KEY, String(isAdmin));
    setAdmin(isAdmin);
    setEndedBecause(undefined);
    setToken(candidate);
  }, []);

  const session = useMemo(
    () => (token ? { client: clientFor(token), admin, signOut } : undefined),
    [token, admin, signOut],
  );
  const state = useMemo(() => ({ session, endedBecause, signIn }), [session, endedBecause, signIn]);
  return <SessionContext.Provider value={state}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSessionState outside SessionProvider');
  return state;
}

/** The session of a signed-in page (pages render only inside one). */
export function useSession(): Session {
  const { session } = useSessionState();
  if (!session) throw new Error('useSession while signed out');
  return session;
}
