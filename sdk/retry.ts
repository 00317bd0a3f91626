/**
 * When a failed request is tried again, and after how long (`RetryOptions` in types.ts says
 * which requests qualify). Pure: the transport does the waiting.
 */
import { ApiRequestError, ConnectionError, RequestTimeoutError } from './errors.js';
import type { RetryOptions } from './types.js';

export const DEFAULT_RETRIES: RetryOptions = { attempts: 3, baseMs: 200, maxMs: 5000 };

/** Answers that say "not now" rather than "no": nothing was done, a later try may succeed. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** A failure that a later try may not meet: no answer, no answer in time, or "not now". */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof ConnectionError ||
    error instanceof RequestTimeoutError ||
    (error instanceof ApiRequestError && isRetryableStatus(error.status))
  );
}

/** The policy in force: the call's override over the client's, over the defaults. */
export function retryPolicy(
  client: Partial<RetryOptions> | false | undefined,
  call: Partial<RetryOptions> | false | undefined,
): RetryOptions {
  const chosen = call ?? client;
  if (chosen === false) return { ...DEFAULT_RETRIES, attempts: 1 };
  const policy = { ...DEFAULT_RETRIES, ...(client === false ? {} : client), ...chosen };
  for (const key of ['attempts', 'baseMs', 'maxMs'] as const) {
    if (!Number.isFinite(policy[key]) || policy[key] < 0)
      throw new RangeError(`retries.${key}: must be a number >= 0 (got ${String(policy[key])})`);
  }
  return policy;
}

/**
 * The wait before retry number `retry` (1 for the first retry): "full jitter", a random time up
 * to the exponential bound, so many clients failing together do not come back together.
 */
export function backoffMs(policy: RetryOptions, retry: number, random: () => number = Math.random): number {
  const bound = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  return Math.round(random() * bound);
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
