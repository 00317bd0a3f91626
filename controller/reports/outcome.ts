/**
 * Pure: what an instance becomes after one of its attempts reports. Infrastructure failures
 * re-queue without spending `retries`; application failures re-queue while retries remain and a
 * `retryOn` rule (if any) matches.
 */
import { parseRetryRule } from '../../protocol/spec.js';
import { INFRASTRUCTURE_FAILURES, type FailureReason, type InstanceState } from '../../protocol/states.js';

export interface AttemptOutcome {
  state: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';
  failureReason: FailureReason | null;
  exitCode: number | null;
}

export interface RetryPolicy {
  retries: number;
  retryOn?: string[];
  /** Application failures of earlier attempts of this instance (this one excluded). */
  failuresBefore: number;
}

export function retryRuleMatches(rules: readonly string[] | undefined, outcome: AttemptOutcome): boolean {
  if (!rules || rules.length === 0) return true;
  return rules.some((text) => {
    const rule = parseRetryRule(text);
    if (rule.kind === 'reason') return rule.reason === outcome.failureReason;
    return outcome.failureReason === 'EXIT_CODE' && outcome.exitCode !== null && outcome.exitCode >= rule.from && outcome.exitCode <= rule.to;
  });
}

export function nextInstanceState(outcome: AttemptOutcome, policy: RetryPolicy, jobDesired: 'run' | 'stop'): InstanceState {
  switch (outcome.state) {
    case 'RUNNING':
    case 'SUCCEEDED':
    case 'STOPPED':
      return outcome.state;
    case 'FAILED': {
      if (jobDesired === 'stop') return 'FAILED';
      if (outcome.failureReason !== null && INFRASTRUCTURE_FAILURES.has(outcome.failureReason)) return 'PENDING';
      const retriesLeft = policy.retries - policy.failuresBefore;
      return retriesLeft > 0 && retryRuleMatches(policy.retryOn, outcome) ? 'PENDING' : 'FAILED';
    }
  }
}
