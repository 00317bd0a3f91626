/**
 * A job's state changes as they happen, from the SDK's `events()` (server-sent events): each
 * burst of changes calls `onChange` once, so a page refreshes at once instead of at its next
 * poll. The poll stays as the fallback (a proxy that buffers the stream, a dropped connection).
 */
import { useEffect, useRef } from 'react';
import { useSession } from './session.js';
import { useUnauthorizedHandler } from './use-api.js';

/** Changes that arrive within this many ms of each other make one refresh. */
const COALESCE_MS = 250;

export function useJobEvents(jobId: string, active: boolean, onChange: () => void): void {
  const { client } = useSession();
  const failed = useUnauthorizedHandler();
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  });
  useEffect(() => {
    if (!active) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    void (async () => {
      try {
        for await (const _event of client.events({ job: jobId, signal: abort.signal })) {
          timer ??= setTimeout(() => {
            timer = undefined;
            onChangeRef.current();
          }, COALESCE_MS);
        }
      } catch (error) {
        // Anything but a refused token leaves the page on its poll.
        if (!abort.signal.aborted) failed(error);
      }
    })();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [client, jobId, active, failed]);
}
