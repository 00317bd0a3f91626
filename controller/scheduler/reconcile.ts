/**
 * Pure: from a snapshot of active jobs, decides what their intent and their instances imply —
 * instances whose dependencies are met are released, those whose condition can never hold are
 * skipped, a job asked to stop has its pending instances stopped and its attempts killed, a job
 * asked to restart is re-armed — and derives task and job states. Tasks are visited in
 * topological order and each decision is applied to a private copy of the snapshot, so a skip
 * cascades down the whole DAG in one pass; the input is never changed.
 */
import {
  canTransition,
  JOB_TRANSITIONS,
  NODE_TRANSITIONS,
  TASK_TRANSITIONS,
  type InstanceState,
  type NodeState,
  type TaskState,
} from '../../protocol/states.js';
import { conditionHolds, deriveJobState, deriveTaskState } from './derive.js';
import type {
  InstanceRelease,
  JobChange,
  JobSnapshot,
  NodeChange,
  NodeIntentSnapshot,
  ReconcilePlan,
  TaskSnapshot,
} from './types.js';

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

/** A copy the reconcile may change as it decides: the caller's snapshot stays as it was read. */
function workingCopy(task: TaskSnapshot): TaskSnapshot {
  const copy: TaskSnapshot = { ...task, counts: { ...task.counts } };
  if (task.instanceStates) copy.instanceStates = [...task.instanceStates];
  if (task.blockedIndexes) copy.blockedIndexes = [...task.blockedIndexes];
  return copy;
}

export function reconcileJob(job: JobSnapshot): ReconcilePlan {
  const plan: ReconcilePlan = { releases: [], tasks: [], jobs: [], stops: [], rearms: [] };
  // A re-arm rewrites every unfinished row of the job; the next pass reconciles the result.
  if (job.restartRequested) {
    plan.rearms.push(job.id);
    return plan;
  }
  const tasks = job.tasks.map(workingCopy);
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const stateOf = new Map<string, TaskState>(tasks.map((t) => [t.name, t.state]));

  if (job.desired === 'stop') {
    plan.stops.push(job.id);
    for (const task of tasks) stopPending(task);
  }
  for (const task of tasks) {
    if (task.blocked > 0 && job.desired === 'run') releaseBlocked(job.id, task, byName, stateOf, plan.releases);
    let next = deriveTaskState(task.counts, task.instanceCount, task.blocked, task.state);
    // The transition table is the law; a derivation it forbids is held back (and would be a bug).
    if (!canTransition(TASK_TRANSITIONS, task.state, next)) next = task.state;
    if (next !== task.state) plan.tasks.push({ jobId: job.id, task: task.name, from: task.state, to: next });
    stateOf.set(task.name, next);
  }

  const states = tasks.map((t) => stateOf.get(t.name)!);
  const anyStarted = tasks.some(
    (t) => t.counts.SCHEDULED + t.counts.RUNNING + t.counts.SUCCEEDED + t.counts.FAILED > 0,
  );
  const derived = deriveJobState(states, job.desired, anyStarted, job.state);
  const jobNext = canTransition(JOB_TRANSITIONS, job.state, derived) ? derived : job.state;
  if (jobNext !== job.state) plan.jobs.push({ jobId: job.id, from: job.state, to: jobNext } satisfies JobChange);
  return plan;
}

/** Every PENDING instance of a stopping job becomes STOPPED, blocked or not. */
function stopPending(task: TaskSnapshot): void {
  task.counts.STOPPED += task.counts.PENDING;
  task.counts.PENDING = 0;
  task.blocked = 0;
  task.blockedIndexes = [];
  markIndexes(task, undefined, 'STOPPED');
}

/** Decides for the blocked PENDING instances of `task`, updating the working copy to match. */
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
  const plan: ReconcilePlan = { releases: [], tasks: [], jobs: [], stops: [], rearms: [] };
  for (const job of jobs) {
    const part = reconcileJob(job);
    plan.releases.push(...part.releases);
    plan.tasks.push(...part.tasks);
    plan.jobs.push(...part.jobs);
    plan.stops.push(...part.stops);
    plan.rearms.push(...part.rearms);
  }
  return plan;
}

/**
 * Pure: the node states that intent implies. A drained node stops taking work (DRAINING); an
 * undrained one takes work again (READY). Liveness (LOST) and connections (READY) are observed
 * elsewhere; this only follows `desired`.
 */
export function reconcileNodes(nodes: readonly NodeIntentSnapshot[]): NodeChange[] {
  const changes: NodeChange[] = [];
  for (const node of nodes) {
    let to: NodeState = node.state;
    if (node.desired === 'drain' && node.state === 'READY') to = 'DRAINING';
    if (node.desired === 'run' && node.state === 'DRAINING') to = 'READY';
    // A node to terminate takes no new work; it goes once its running instances have finished.
    if (node.desired === 'terminate')
      to = node.busy ? (node.state === 'READY' ? 'DRAINING' : node.state) : 'TERMINATING';
    if (to !== node.state && canTransition(NODE_TRANSITIONS, node.state, to))
      changes.push({ nodeId: node.id, from: node.state, to });
  }
  return changes;
}
