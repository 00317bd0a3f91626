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
const USER_KEY = 'batch.user';

export interface Session {
  client: BatchClient;
  /** Whether the token is an admin's: the console shows owners and the Admin page. */
  admin: boolean;
  /** The signed-in user's name (from their own tokens), once known. */
  user: string | undefined;
  /** Whether the API lets this user manage something owned by `owner`: an admin, or its owner. */
  mayManage: (owner: string) => boolean;
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

/**
 * The caller's name: the API has no "who am I", but a user's own token list holds the token in
 * use, and each token names its user.
 */
async function ownName(client: BatchClient): Promise<string | undefined> {
  return (await client.listTokens()).items[0]?.user;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY));
  const [admin, setAdmin] = useState(() => sessionStorage.getItem(ADMIN_KEY) === 'true');
  const [user, setUser] = useState(() => sessionStorage.getItem(USER_KEY) ?? undefined);
  const [endedBecause, setEndedBecause] = useState<MessageKey | undefined>(undefined);

  // Back or Forward may restore an earlier page of this tab from the browser's cache as it was
  // left: a sign-in form although the tab has signed in since (or a page after a sign-out). The
  // tab's sessionStorage is current, so the restored page takes its session from there.
  useEffect(() => {
    const onPageShow = (event: PageTransitionEvent) => {
      if (!event.persisted) return;
      setAdmin(sessionStorage.getItem(ADMIN_KEY) === 'true');
      setUser(sessionStorage.getItem(USER_KEY) ?? undefined);
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
    sessionStorage.removeItem(USER_KEY);
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
    const name = await ownName(client);
    sessionStorage.setItem(TOKEN_KEY, candidate);
    sessionStorage.setItem(ADMIN_KEY, String(isAdmin));
    if (name) sessionStorage.setItem(USER_KEY, name);
    setAdmin(isAdmin);
    setUser(name);
    setEndedBecause(undefined);
    setToken(candidate);
  }, []);

  // A tab signed in by an older console kept no name: it is looked up once.
  useEffect(() => {
    if (!token || user !== undefined) return;
    void ownName(clientFor(token)).then(
      (name) => {
        if (!name) return;
        sessionStorage.setItem(USER_KEY, name);
        setUser(name);
      },
      () => undefined,
    );
  }, [token, user]);

  const session = useMemo(
    () =>
      token
        ? {
            client: clientFor(token),
            admin,
            user,
            mayManage: (owner: string) => admin || owner === user,
            signOut,
          }
        : undefined,
    [token, admin, user, signOut],
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
