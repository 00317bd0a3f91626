/**
 * The states of SPEC §3 and the only transitions allowed between them. Every write of a state
 * goes through this table: in code with `canTransition`, in SQL as the guard that
 * controller/db/state-sql.ts renders from it (`state IN (statesLeadingTo(…))`).
 */

export const JOB_STATES = ['PENDING', 'RUNNING', 'STOPPING', 'SUCCEEDED', 'FAILED', 'STOPPED'] as const;
export const TASK_STATES = ['WAITING', 'PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED', 'SKIPPED'] as const;
export const INSTANCE_STATES = [
  'PENDING',
  'SCHEDULED',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
  'SKIPPED',
] as const;
export const ATTEMPT_STATES = ['SCHEDULED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED'] as const;
export const NODE_STATES = ['PROVISIONING', 'READY', 'DRAINING', 'TERMINATING', 'TERMINATED', 'LOST'] as const;

export type JobState = (typeof JOB_STATES)[number];
export type TaskState = (typeof TASK_STATES)[number];
export type InstanceState = (typeof INSTANCE_STATES)[number];
export type AttemptState = (typeof ATTEMPT_STATES)[number];
export type NodeState = (typeof NODE_STATES)[number];

/**
 * Why a PENDING instance is not running yet (SPEC §3). `BACKOFF` extends the SPEC's list: a
 * retry waiting out its delay is none of the others.
 */
export const PENDING_REASONS = [
  'DEPENDENCY',
  'QUOTA',
  'NO_CAPACITY',
  'PROVISIONING',
  'NO_MATCHING_NODE',
  'PRIORITY',
  'BACKOFF',
] as const;
export type PendingReason = (typeof PENDING_REASONS)[number];

/** Why an attempt failed (SPEC §3), a closed set. */
export const FAILURE_REASONS = [
  'EXIT_CODE',
  'TIMEOUT',
  'KILLED',
  'NODE_LOST',
  'PACKAGE_ERROR',
  'MOUNT_ERROR',
  'STAGE_IN_ERROR',
  'STAGE_OUT_ERROR',
  'AGENT_ERROR',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Infrastructure failures are retried without spending the task's `retries`. */
export const INFRASTRUCTURE_FAILURES: ReadonlySet<FailureReason> = new Set(['NODE_LOST', 'AGENT_ERROR']);

/** Jobs the scheduler still works on (not finished). */
export const ACTIVE_JOB_STATES = ['PENDING', 'RUNNING', 'STOPPING'] as const satisfies readonly JobState[];
/** Tasks that may still have instances to place. */
export const ACTIVE_TASK_STATES = ['WAITING', 'PENDING', 'RUNNING'] as const satisfies readonly TaskState[];
/** Attempts that hold a node's capacity and may still report. */
export const ACTIVE_ATTEMPT_STATES = ['SCHEDULED', 'RUNNING'] as const satisfies readonly AttemptState[];
/** Instances handed to a node and not yet finished. */
export const PLACED_INSTANCE_STATES = ['SCHEDULED', 'RUNNING'] as const satisfies readonly InstanceState[];
/** Nodes whose heartbeats liveness watches. */
export const LIVE_NODE_STATES = ['PROVISIONING', 'READY', 'DRAINING'] as const satisfies readonly NodeState[];
/** Instances that did not succeed and that a restart runs again. */
export const RESTARTABLE_INSTANCE_STATES = ['FAILED', 'STOPPED', 'SKIPPED'] as const satisfies readonly InstanceState[];
/** Jobs that may be restarted. */
export const RESTARTABLE_JOB_STATES = ['FAILED', 'STOPPED'] as const satisfies readonly JobState[];

type Table<S extends string> = Readonly<Record<S, readonly S[]>>;

export const JOB_TRANSITIONS: Table<JobState> = {
  PENDING: ['RUNNING', 'STOPPING', 'STOPPED', 'SUCCEEDED', 'FAILED'],
  RUNNING: ['STOPPING', 'SUCCEEDED', 'FAILED', 'STOPPED'],
  STOPPING: ['STOPPED', 'SUCCEEDED', 'FAILED'],
  // restart re-arms a finished job
  SUCCEEDED: [],
  FAILED: ['PENDING'],
  STOPPED: ['PENDING'],
};

export const TASK_TRANSITIONS: Table<TaskState> = {
  // RUNNING/SUCCEEDED/FAILED: a restarted `per: instance` task may hold instances that already ran.
  WAITING: ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'STOPPED'],
  PENDING: ['RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED', 'SKIPPED', 'WAITING'],
  // SKIPPED: every instance ended, some skipped by a `per: instance` dependency, none failed
  RUNNING: ['SUCCEEDED', 'FAILED', 'STOPPED', 'SKIPPED'],
  SUCCEEDED: [],
  FAILED: ['WAITING', 'PENDING'],
  STOPPED: ['WAITING', 'PENDING'],
  SKIPPED: ['WAITING', 'PENDING'],
};

export const INSTANCE_TRANSITIONS: Table<InstanceState> = {
  PENDING: ['SCHEDULED', 'STOPPED', 'SKIPPED'],
  SCHEDULED: ['RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED', 'PENDING'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'STOPPED', 'PENDING'],
  SUCCEEDED: [],
  FAILED: ['PENDING'],
  STOPPED: ['PENDING'],
  SKIPPED: ['PENDING'],
};

export const ATTEMPT_TRANSITIONS: Table<AttemptState> = {
  SCHEDULED: ['RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'STOPPED'],
  SUCCEEDED: [],
  FAILED: [],
  STOPPED: [],
};

/**
 * A node leaves through TERMINATING (its provider is deleting it) to TERMINATED. PROVISIONING
 * may go straight to TERMINATED when its provider could not create it at all; a hand-joined
 * node, which no provider deletes, goes READY/DRAINING/LOST → TERMINATED when it is removed.
 */
export const NODE_TRANSITIONS: Table<NodeState> = {
  PROVISIONING: ['READY', 'TERMINATING', 'TERMINATED', 'LOST'],
  READY: ['DRAINING', 'TERMINATING', 'TERMINATED', 'LOST'],
  DRAINING: ['READY', 'TERMINATING', 'TERMINATED', 'LOST'],
  TERMINATING: ['TERMINATED'],
  TERMINATED: [],
  LOST: ['READY', 'TERMINATING', 'TERMINATED'],
};

export function canTransition<S extends string>(table: Table<S>, from: S, to: S): boolean {
  return from === to || table[from].includes(to);
}

/** States from which `to` may be reached: the `allowedFrom` list of a guarded UPDATE. */
export function statesLeadingTo<S extends string>(table: Table<S>, to: S): S[] {
  return (Object.keys(table) as S[]).filter((from) => table[from].includes(to));
}

export const FINISHED_INSTANCE_STATES = [
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
  'SKIPPED',
] as const satisfies readonly InstanceState[];
export const FINISHED_ATTEMPT_STATES = ['SUCCEEDED', 'FAILED', 'STOPPED'] as const satisfies readonly AttemptState[];
export const FINISHED_JOB_STATES = ['SUCCEEDED', 'FAILED', 'STOPPED'] as const satisfies readonly JobState[];
export const FINISHED_TASK_STATES = [
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
  'SKIPPED',
] as const satisfies readonly TaskState[];
/** Jobs that have started: their `started_at` is set when they first reach one of these. */
export const STARTED_JOB_STATES = ['RUNNING', 'SUCCEEDED', 'FAILED'] as const satisfies readonly JobState[];

const FINISHED_INSTANCE: ReadonlySet<InstanceState> = new Set(FINISHED_INSTANCE_STATES);
const FINISHED_JOB: ReadonlySet<JobState> = new Set(FINISHED_JOB_STATES);
const FINISHED_TASK: ReadonlySet<TaskState> = new Set(FINISHED_TASK_STATES);

export const isInstanceFinished = (s: InstanceState): boolean => FINISHED_INSTANCE.has(s);
export const isJobFinished = (s: JobState): boolean => FINISHED_JOB.has(s);
export const isTaskFinished = (s: TaskState): boolean => FINISHED_TASK.has(s);
export const isAttemptFinished = (s: AttemptState): boolean =>
  (FINISHED_ATTEMPT_STATES as readonly string[]).includes(s);
