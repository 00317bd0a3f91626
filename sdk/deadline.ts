/**
 * One call's abort signal: the caller's `signal` and the call's `timeoutMs` as one signal. When
 * the time runs out the signal aborts with a `RequestTimeoutError` as its reason, so fetch and
 * the waits between retries reject with that error, while a caller's abort keeps its own reason.
 */
import { RequestTimeoutError } from './errors.js';

export class Deadline {
  /** Undefined when there is neither a caller's signal nor a time limit. */
  readonly signal: AbortSignal | undefined;
  private readonly timer: ReturnType<typeof setTimeout> | undefined;

  constructor(method: string, url: string, timeoutMs: number | undefined, callerSignal: AbortSignal | undefined) {
    if (timeoutMs === undefined || timeoutMs === 0) {
      this.signal = callerSignal;
      return;
    }
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0)
      throw new RangeError(`timeoutMs: must be a number >= 0 (got ${String(timeoutMs)})`);
    const clock = new AbortController();
    this.timer = setTimeout(() => clock.abort(new RequestTimeoutError(method, url, timeoutMs)), timeoutMs);
    this.signal = callerSignal ? AbortSignal.any([callerSignal, clock.signal]) : clock.signal;
  }

  /** Stops the clock (the call is over, or a stream has begun); the caller's signal still counts. */
  stop(): void {
    clearTimeout(this.timer);
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
