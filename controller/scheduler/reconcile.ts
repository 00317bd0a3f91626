/**
 * Pure: releases instances whose dependencies are met, skips those whose condition can never
 * hold, and derives task and job states. Tasks are visited in topological order and each
 * decision updates the in-memory snapshot, so a skip cascades down the whole DAG in one pass.
 */
import {
  canTransition,
  JOB_TRANSITIONS,
  TASK_TRANSITIONS,
  type InstanceState,
  type TaskState,
} from '../../protocol/states.js';
import { conditionHolds, deriveJobState, deriveTaskState } from './derive.js';
import type { InstanceRelease, JobChange, JobSnapshot, ReconcilePlan, TaskChange, TaskSnapshot } from './types.js';

type Verdict = 'met' | 'never' | 'wait';

function combine(a: Verdict, b: Verdict): Verdict {
  if (a === 'never' || b === 'never') return 'never';
  if (a === 'wait' || b === 'wait') return 'wait';
  return 'met';
}

function verdictOf(holds: boolean | undefined): Verdict {
  if (holds === undefined) return 'wait';
  return holds ? 'met' : 'never';
}

export function reconcileJob(job: JobSnapshot): ReconcilePlan {
  const releases: InstanceRelease[] = [];
  const taskChanges: TaskChange[] = [];
  const byName = new Map(job.tasks.map((t) => [t.name, t]));
  const stateOf = new Map<string, TaskState>(job.tasks.map((t) => [t.name, t.state]));

  for (const task of job.tasks) {
    if (task.blocked > 0 && job.desired === 'run') releaseBlocked(job.id, task, byName, stateOf, releases);
    let next = deriveTaskState(task.counts, task.instanceCount, task.blocked, task.state);
    // The transition table is the law; a derivation it forbids is held back (and would be a bug).
    if (!canTransition(TASK_TRANSITIONS, task.state, next)) next = task.state;
    if (next !== task.state) {
      taskChanges.push({ jobId: job.id, task: task.name, from: task.state, to: next });
    }
    stateOf.set(task.name, next);
  }

  const states = job.tasks.map((t) => stateOf.get(t.name)!);
  const anyStarted = job.tasks.some(
    (t) => t.counts.SCHEDULED + t.counts.RUNNING + t.counts.SUCCEEDED + t.counts.FAILED > 0,
  );
  const derived = deriveJobState(states, job.desired, anyStarted, job.state);
  const jobNext = canTransition(JOB_TRANSITIONS, job.state, derived) ? derived : job.state;
  const jobs: JobChange[] = jobNext !== job.state ? [{ jobId: job.id, from: job.state, to: jobNext }] : [];
  return { releases, tasks: taskChanges, jobs };
}

/** Decides for the blocked PENDING instances of `task`; mutates its counts to match. */
function releaseBlocked(
  jobId: string,
  task: TaskSnapshot,
  byName: ReadonlyMap<string, TaskSnapshot>,
  stateOf: ReadonlyMap<string, TaskState>,
  out: InstanceRelease[],
): void {
  let taskLevel: Verdict = 'met';
  const perInstance = task.dependsOn.filter((d) => d.per === 'instance');
  for (const dep of task.dependsOn) {
    if (dep.per === 'task') taskLevel = combine(taskLevel, verdictOf(conditionHolds(dep.on, stateOf.get(dep.task)!)));
  }

  if (perInstance.length === 0 || taskLevel !== 'met') {
    if (taskLevel === 'wait') return;
    // All blocked instances go the same way.
    const to = taskLevel === 'met' ? 'ready' : 'skip';
    out.push({ jobId, task: task.name, to });
    if (to === 'skip') {
      task.counts.PENDING -= task.blocked;
      task.counts.SKIPPED += task.blocked;
      markIndexes(task, task.blockedIndexes, 'SKIPPED');
    }
    task.blocked = 0;
    task.blockedIndexes = [];
    return;
  }

  const ready: number[] = [];
  const skip: number[] = [];
  const stillBlocked: number[] = [];
  for (const index of task.blockedIndexes ?? []) {
    let verdict: Verdict = 'met';
    for (const dep of perInstance) {
      const upstream = byName.get(dep.task)!.instanceStates?.[index];
      verdict = combine(verdict, verdictOf(upstream === undefined ? undefined : conditionHolds(dep.on, upstream)));
    }
    if (verdict === 'met') ready.push(index);
    else if (verdict === 'never') skip.push(index);
    else stillBlocked.push(index);
  }
  if (ready.length > 0) out.push({ jobId, task: task.name, to: 'ready', indexes: ready });
  if (skip.length > 0) {
    out.push({ jobId, task: task.name, to: 'skip', indexes: skip });
    task.counts.PENDING -= skip.length;
    task.counts.SKIPPED += skip.length;
    markIndexes(task, skip, 'SKIPPED');
  }
  task.blocked = stillBlocked.length;
  task.blockedIndexes = stillBlocked;
}

function markIndexes(task: TaskSnapshot, indexes: readonly number[] | undefined, state: InstanceState): void {
  if (!task.instanceStates) return;
  if (indexes === undefined) {
    task.instanceStates = task.instanceStates.map((s) => (s === 'PENDING' ? state : s));
    return;
  }
  for (const i of indexes) task.instanceStates[i] = state;
}

export function reconcile(jobs: readonly JobSnapshot[]): ReconcilePlan {
  const plan: ReconcilePlan = { releases: [], tasks: [], jobs: [] };
  for (const job of jobs) {
    const part = reconcileJob(job);
    plan.releases.push(...part.releases);
    plan.tasks.push(...part.tasks);
    plan.jobs.push(...part.jobs);
  }
  return plan;
}
