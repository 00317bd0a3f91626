/**
 * Loading data through the SDK in a page: the result, the error, a reload, and optional polling
 * while a condition holds (a running job, a live node list). A refused token (401) ends the session.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiRequestError, type BatchClient } from '../../sdk/index.js';
import { useSession } from './session.js';

export interface ApiResult<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export interface ApiOptions<T> {
  /** Poll this often (ms) while `while` holds for the latest data (always, without `while`). */
  pollMs?: number;
  while?: (data: T) => boolean;
}

/**
 * `key` names what is loaded: when it changes, the data is loaded anew (and a stale answer for
 * the old key is dropped). `load` is read at call time, so it may close over the current props.
 */
export function useApi<T>(
  key: string,
  load: (client: BatchClient) => Promise<T>,
  options: ApiOptions<T> = {},
): ApiResult<T> {
  const { client } = useSession();
  const failed = useUnauthorizedHandler();
  const [state, setState] = useState<{ key: string; data?: T; error?: unknown; loading: boolean }>({
    key,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const data = await loadRef.current(client);
        if (cancelled) return;
        setState({ key, data, loading: false });
        const { pollMs, while: keepPolling } = optionsRef.current;
        if (pollMs !== undefined && (!keepPolling || keepPolling(data))) timer = setTimeout(() => void run(), pollMs);
      } catch (error) {
        if (cancelled) return;
        if (failed(error)) return;
        // A failed poll keeps what it showed; a failed load of something else shows nothing of the
        // last thing (a bucket's objects under another bucket's heading).
        setState((previous) =>
          previous.key === key ? { ...previous, error, loading: false } : { key, error, loading: false },
        );
        // A passing error (a restarting controller) should not end a live view: keep polling.
        if (optionsRef.current.pollMs !== undefined)
          timer = setTimeout(() => void run(), optionsRef.current.pollMs * 2);
      }
    };
    void run();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [key, client, generation, failed]);

  const reload = useCallback(() => {
    setGeneration((g) => g + 1);
  }, []);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || state.loading,
    reload,
  };
}

/** Returns a check that ends the session when an error is a 401, and says whether it did. */
export function useUnauthorizedHandler(): (error: unknown) => boolean {
  const { signOut } = useSession();
  return useCallback(
    (error: unknown) => {
      if (error instanceof ApiRequestError && error.status === 401) {
        signOut('signIn.expired');
        return true;
      }
      return false;
    },
    [signOut],
  );
}

/**
 * Runs a command (stop, delete, create…): returns a runner and the last error. A 401 ends the
 * session; other errors are kept for the page to show where they belong.
 */
export function useAction(): {
  run: <T>(action: (client: BatchClient) => Promise<T>) => Promise<T | undefined>;
  error: unknown;
  busy: boolean;
  clearError: () => void;
} {
  const { client } = useSession();
  const failed = useUnauthorizedHandler();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async <T>(action: (client: BatchClient) => Promise<T>) => {
      setBusy(true);
      setError(undefined);
      try {
        return await action(client);
      } catch (caught) {
        if (!failed(caught)) setError(caught);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [client, failed],
  );
  const clearError = useCallback(() => {
    setError(undefined);
  }, []);
  return { run, error, busy, clearError };
}
