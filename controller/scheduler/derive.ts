/** Task and job states derived from instance counts: pure functions, one rule each. */
import type { InstanceState, JobState, TaskState } from '../../protocol/states.js';
import { isTaskFinished } from '../../protocol/states.js';
import type { Counts } from './types.js';

export function emptyCounts(): Counts {
  return { PENDING: 0, SCHEDULED: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, STOPPED: 0, SKIPPED: 0 };
}

export function finishedCount(c: Counts): number {
  return c.SUCCEEDED + c.FAILED + c.STOPPED + c.SKIPPED;
}

/**
 * The state a task is in, given its instances (`blocked` = PENDING instances held by a
 * dependency). A task that has started stays RUNNING until it ends, even while an instance waits
 * for a retry.
 */
export function deriveTaskState(c: Counts, instanceCount: number, blocked: number, current?: TaskState): TaskState {
  const finished = finishedCount(c);
  if (finished >= instanceCount) {
    if (c.FAILED > 0) return 'FAILED';
    if (c.STOPPED > 0) return 'STOPPED';
    if (c.SUCCEEDED === instanceCount) return 'SUCCEEDED';
    return 'SKIPPED';
  }
  const started = c.SCHEDULED + c.RUNNING + c.SUCCEEDED + c.FAILED + c.STOPPED;
  if (started > 0 || current === 'RUNNING') return 'RUNNING';
  if (blocked >= c.PENDING) return 'WAITING';
  return 'PENDING';
}

export function deriveJobState(
  taskStates: readonly TaskState[],
  desired: 'run' | 'stop',
  anyStarted: boolean,
  current?: JobState,
): JobState {
  if (taskStates.every(isTaskFinished)) {
    if (taskStates.includes('FAILED')) return 'FAILED';
    if (taskStates.includes('STOPPED')) return 'STOPPED';
    return 'SUCCEEDED';
  }
  if (desired === 'stop') return 'STOPPING';
  return anyStarted || current === 'RUNNING' ? 'RUNNING' : 'PENDING';
}

/** Whether an upstream outcome satisfies `on`; `undefined` while the upstream is not done. */
export function conditionHolds(
  on: 'success' | 'failure' | 'any',
  upstream: TaskState | InstanceState,
): boolean | undefined {
  switch (upstream) {
    case 'SUCCEEDED':
      return on !== 'failure';
    case 'FAILED':
      return on !== 'success';
    case 'STOPPED':
    case 'SKIPPED':
      return on === 'any';
    default:
      return undefined;
  }
}
