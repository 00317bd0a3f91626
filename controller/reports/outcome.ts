/**
 * Pure: what an instance becomes after one of its attempts reports. A failure the agent knows
 * cannot succeed on another attempt (`retryable: false`: an unsafe package, a bad digest) fails
 * the instance at once. Infrastructure failures re-queue without spending `retries`; application
 * failures re-queue while retries remain and a `retryOn` rule (if any) matches.
 */
import { parseRetryRule } from '../../protocol/spec.js';
import { INFRASTRUCTURE_FAILURES, type FailureReason, type InstanceState } from '../../protocol/states.js';

export interface AttemptOutcome {
  state: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';
  failureReason: FailureReason | null;
  exitCode: number | null;
  /** What the agent said (false: no attempt can succeed); null or absent when it did not say. */
  retryable?: boolean | null;
}

export interface RetryPolicy {
  retries: number;
  retryOn?: string[];
  /** Application failures of earlier attempts of this instance (this one excluded). */
  failuresBefore: number;
  /** Infrastructure failures of earlier attempts (this one excluded). */
  infraFailuresBefore?: number;
}

/**
 * Infrastructure failures are free, but not endless: an instance that keeps losing its node or
 * crashing its agent (a command that kills the host, say) fails after this many.
 */
export const MAX_INFRASTRUCTURE_FAILURES = 10;

export function retryRuleMatches(rules: readonly string[] | undefined, outcome: AttemptOutcome): boolean {
  if (!rules || rules.length === 0) return true;
  return rules.some((text) => {
    const rule = parseRetryRule(text);
    if (rule.kind === 'reason') return rule.reason === outcome.failureReason;
    return (
      outcome.failureReason === 'EXIT_CODE' &&
      outcome.exitCode !== null &&
      outcome.exitCode >= rule.from &&
      outcome.exitCode <= rule.to
    );
  });
}

export function nextInstanceState(
  outcome: AttemptOutcome,
  policy: RetryPolicy,
  jobDesired: 'run' | 'stop',
): InstanceState {
  switch (outcome.state) {
    case 'RUNNING':
    case 'SUCCEEDED':
    case 'STOPPED':
      return outcome.state;
    case 'FAILED': {
      if (jobDesired === 'stop') return 'FAILED';
      if (outcome.retryable === false) return 'FAILED';
      if (outcome.failureReason !== null && INFRASTRUCTURE_FAILURES.has(outcome.failureReason)) {
        return (policy.infraFailuresBefore ?? 0) + 1 < MAX_INFRASTRUCTURE_FAILURES ? 'PENDING' : 'FAILED';
      }
      const retriesLeft = policy.retries - policy.failuresBefore;
      return retriesLeft > 0 && retryRuleMatches(policy.retryOn, outcome) ? 'PENDING' : 'FAILED';
    }
  }
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `retry` (1 = the first retry): exponential, capped, with jitter in
 * [50 %, 100 %] of the step so instances that failed together do not retry in lockstep.
 */
export function retryDelayMs(retry: number, backoff: Backoff, random: () => number = Math.random): number {
  const step = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step * (0.5 + random() * 0.5));
}

/** Whether a PENDING outcome is an application retry (which waits) rather than a free re-queue. */
export function isApplicationRetry(outcome: AttemptOutcome): boolean {
  return (
    outcome.state === 'FAILED' &&
    !(outcome.failureReason !== null && INFRASTRUCTURE_FAILURES.has(outcome.failureReason))
  );
}
