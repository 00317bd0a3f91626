/**
 * What an instance becomes when one of its attempts reports (SPEC §2 retries/retryOn, §3 failure
 * reasons): infrastructure failures are retried for free, application failures spend `retries`
 * and must match a `retryOn` rule when there are any, and nothing is retried once a stop is asked.
 */
import t from 'tap';
import {
  isApplicationRetry,
  MAX_INFRASTRUCTURE_FAILURES,
  nextInstanceState,
  retryDelayMs,
  retryRuleMatches,
  type AttemptOutcome,
  type RetryPolicy,
} from '../../controller/reports/outcome.js';
import { FAILURE_REASONS, type FailureReason } from '../../protocol/states.js';

const failed = (failureReason: FailureReason | null, exitCode: number | null = null): AttemptOutcome => ({
  state: 'FAILED',
  failureReason,
  exitCode,
});
const exited = (code: number) => failed('EXIT_CODE', code);
const policy = (retries: number, failuresBefore = 0, retryOn?: string[]): RetryPolicy =>
  retryOn ? { retries, failuresBefore, retryOn } : { retries, failuresBefore };

t.test('RUNNING, SUCCEEDED and STOPPED pass through', async (t) => {
  for (const state of ['RUNNING', 'SUCCEEDED', 'STOPPED'] as const) {
    t.equal(
      nextInstanceState({ state, failureReason: null, exitCode: state === 'SUCCEEDED' ? 0 : null }, policy(3), 'run'),
      state,
    );
  }
  t.equal(
    nextInstanceState({ state: 'STOPPED', failureReason: 'KILLED', exitCode: null }, policy(3), 'run'),
    'STOPPED',
    'a stop is not a failure to retry',
  );
  t.equal(
    nextInstanceState({ state: 'SUCCEEDED', failureReason: null, exitCode: 0 }, policy(0), 'stop'),
    'SUCCEEDED',
    'success counts even while stopping',
  );
});

t.test('NODE_LOST and AGENT_ERROR re-queue without spending retries', async (t) => {
  for (const reason of ['NODE_LOST', 'AGENT_ERROR'] as const) {
    t.equal(nextInstanceState(failed(reason), policy(0), 'run'), 'PENDING', `${reason} with retries: 0`);
    t.equal(nextInstanceState(failed(reason), policy(2, 2), 'run'), 'PENDING', `${reason} with every retry spent`);
    t.equal(
      nextInstanceState(failed(reason), policy(2, 0, ['exit:1']), 'run'),
      'PENDING',
      `${reason} whatever retryOn says`,
    );
  }
});

t.test('every other failure reason is an application failure', async (t) => {
  for (const reason of FAILURE_REASONS.filter((r) => r !== 'NODE_LOST' && r !== 'AGENT_ERROR')) {
    t.equal(nextInstanceState(failed(reason, 1), policy(0), 'run'), 'FAILED', `${reason} with no retries`);
    t.equal(nextInstanceState(failed(reason, 1), policy(1), 'run'), 'PENDING', `${reason} with a retry left`);
  }
  t.equal(nextInstanceState(failed(null), policy(0), 'run'), 'FAILED', 'a failure without a reason is not free');
});

t.test('EXIT_CODE: re-queued while retries are left, FAILED once they are spent', async (t) => {
  t.equal(nextInstanceState(exited(1), policy(0), 'run'), 'FAILED', 'retries: 0 — the first failure is final');
  t.equal(nextInstanceState(exited(1), policy(2, 0), 'run'), 'PENDING', 'first failure, 2 retries');
  t.equal(nextInstanceState(exited(1), policy(2, 1), 'run'), 'PENDING', 'second failure, 1 retry left');
  t.equal(nextInstanceState(exited(1), policy(2, 2), 'run'), 'FAILED', 'third failure: retries + 1 attempts made');
  t.equal(nextInstanceState(exited(1), policy(2, 5), 'run'), 'FAILED', 'more failures than retries (retries lowered)');
});

t.test('retryOn: only matching failures are retried', async (t) => {
  t.test('TIMEOUT', async (t) => {
    const rules = policy(3, 0, ['TIMEOUT']);
    t.equal(nextInstanceState(failed('TIMEOUT'), rules, 'run'), 'PENDING');
    t.equal(nextInstanceState(exited(1), rules, 'run'), 'FAILED', 'an exit code is not a timeout');
    t.equal(nextInstanceState(failed('PACKAGE_ERROR'), rules, 'run'), 'FAILED');
  });

  t.test('EXIT_CODE', async (t) => {
    const rules = policy(3, 0, ['EXIT_CODE']);
    t.equal(nextInstanceState(exited(2), rules, 'run'), 'PENDING');
    t.equal(nextInstanceState(exited(255), rules, 'run'), 'PENDING');
    t.equal(nextInstanceState(failed('TIMEOUT'), rules, 'run'), 'FAILED');
  });

  t.test('exit:N', async (t) => {
    const rules = policy(3, 0, ['exit:137']);
    t.equal(nextInstanceState(exited(137), rules, 'run'), 'PENDING');
    t.equal(nextInstanceState(exited(136), rules, 'run'), 'FAILED');
    t.equal(nextInstanceState(exited(138), rules, 'run'), 'FAILED');
    t.equal(
      nextInstanceState(failed('TIMEOUT', 137), rules, 'run'),
      'FAILED',
      'only an EXIT_CODE failure has an exit code that counts',
    );
  });

  t.test('exit:N-M includes both ends and excludes the rest', async (t) => {
    const rules = policy(3, 0, ['exit:10-12']);
    t.equal(nextInstanceState(exited(9), rules, 'run'), 'FAILED', '9 is below the range');
    t.equal(nextInstanceState(exited(10), rules, 'run'), 'PENDING');
    t.equal(nextInstanceState(exited(11), rules, 'run'), 'PENDING');
    t.equal(nextInstanceState(exited(12), rules, 'run'), 'PENDING');
    t.equal(nextInstanceState(exited(13), rules, 'run'), 'FAILED', '13 is above the range');
  });

  t.test('several rules: any one matching is enough', async (t) => {
    const rules = policy(3, 0, ['TIMEOUT', 'exit:137', 'exit:1-2']);
    t.equal(nextInstanceState(failed('TIMEOUT'), rules, 'run'), 'PENDING');
    t.equal(nextInstanceState(exited(137), rules, 'run'), 'PENDING');
    t.equal(nextInstanceState(exited(2), rules, 'run'), 'PENDING');
    t.equal(nextInstanceState(exited(3), rules, 'run'), 'FAILED');
    t.equal(nextInstanceState(failed('STAGE_IN_ERROR'), rules, 'run'), 'FAILED');
  });

  t.test('a matching rule does not give retries beyond `retries`', async (t) => {
    t.equal(nextInstanceState(exited(137), policy(1, 1, ['exit:137']), 'run'), 'FAILED');
    t.equal(nextInstanceState(failed('TIMEOUT'), policy(0, 0, ['TIMEOUT']), 'run'), 'FAILED');
  });

  t.test('no rules, or an empty list, retries every application failure', async (t) => {
    t.ok(retryRuleMatches(undefined, exited(1)));
    t.ok(retryRuleMatches([], failed('MOUNT_ERROR')));
    t.equal(nextInstanceState(failed('MOUNT_ERROR'), policy(1, 0, []), 'run'), 'PENDING');
  });

  t.test('an exit rule never matches a missing exit code', async (t) => {
    t.notOk(retryRuleMatches(['exit:0-255'], failed('EXIT_CODE', null)));
  });
});

t.test('a failure while the job is stopping is final: FAILED, no retry', async (t) => {
  t.equal(nextInstanceState(exited(1), policy(3), 'stop'), 'FAILED');
  t.equal(nextInstanceState(failed('TIMEOUT'), policy(3, 0, ['TIMEOUT']), 'stop'), 'FAILED');
  t.equal(nextInstanceState(failed('NODE_LOST'), policy(3), 'stop'), 'FAILED', 'not even an infrastructure failure');
  t.equal(nextInstanceState(failed('AGENT_ERROR'), policy(0), 'stop'), 'FAILED');
});

t.test('retry backoff doubles per retry, is capped, and jitters within [50 %, 100 %] of its step', async (t) => {
  const backoff = { baseMs: 1000, maxMs: 5000 };
  t.equal(
    retryDelayMs(1, backoff, () => 1),
    1000,
  );
  t.equal(
    retryDelayMs(2, backoff, () => 1),
    2000,
  );
  t.equal(
    retryDelayMs(3, backoff, () => 1),
    4000,
  );
  t.equal(
    retryDelayMs(4, backoff, () => 1),
    5000,
    'capped',
  );
  t.equal(
    retryDelayMs(9, backoff, () => 0),
    2500,
    'the lowest jitter is half the step',
  );
  t.equal(retryDelayMs(1, { baseMs: 0, maxMs: 0 }), 0, 'a zero base retries at once');
});

t.test('only application failures wait before a retry', async (t) => {
  t.ok(isApplicationRetry({ state: 'FAILED', failureReason: 'EXIT_CODE', exitCode: 1 }));
  t.ok(isApplicationRetry({ state: 'FAILED', failureReason: 'TIMEOUT', exitCode: null }));
  t.notOk(isApplicationRetry({ state: 'FAILED', failureReason: 'NODE_LOST', exitCode: null }));
  t.notOk(isApplicationRetry({ state: 'FAILED', failureReason: 'AGENT_ERROR', exitCode: null }));
});

t.test('infrastructure failures are free but not endless', async (t) => {
  const lost = failed('NODE_LOST');
  t.equal(
    nextInstanceState(
      lost,
      { retries: 0, failuresBefore: 0, infraFailuresBefore: MAX_INFRASTRUCTURE_FAILURES - 2 },
      'run',
    ),
    'PENDING',
  );
  t.equal(
    nextInstanceState(
      lost,
      { retries: 0, failuresBefore: 0, infraFailuresBefore: MAX_INFRASTRUCTURE_FAILURES - 1 },
      'run',
    ),
    'FAILED',
  );
});

t.test('a failure the agent marks not retryable fails the instance at once, whatever retries are left', async (t) => {
  for (const reason of ['PACKAGE_ERROR', 'STAGE_IN_ERROR', 'AGENT_ERROR'] as const) {
    t.equal(nextInstanceState({ ...failed(reason), retryable: false }, policy(3), 'run'), 'FAILED', reason);
    t.equal(
      nextInstanceState({ ...failed(reason), retryable: true }, policy(3), 'run'),
      'PENDING',
      `${reason}, retryable`,
    );
  }
  t.equal(
    nextInstanceState({ ...exited(1), retryable: null }, policy(3), 'run'),
    'PENDING',
    'not said: the policy decides',
  );
});
