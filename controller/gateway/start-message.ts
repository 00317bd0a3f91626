/** Turns a claimed attempt into the `startAttempt` message its node runs. */
import type { StartAttempt } from '../../protocol/messages.js';
import type { StartedAttempt } from '../attempts/started.js';

export function startMessage(a: StartedAttempt): StartAttempt {
  return {
    kind: 'startAttempt',
    attemptId: a.attemptId,
    jobId: a.jobId,
    jobName: a.jobName,
    tenant: a.ownerId,
    tenantNumber: a.ownerNumber,
    taskName: a.taskName,
    index: a.index,
    count: a.count,
    attempt: a.attempt,
    command: a.spec.command,
    env: a.spec.env,
    timeoutSeconds: a.spec.timeoutSeconds,
    computeEnvironment: a.environment,
    // the agent pins `gpu` devices to the attempt; it needs the count the scheduler placed by
    resources: a.spec.resources,
  };
}
