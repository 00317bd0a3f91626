/**
 * What the scheduler sees (a snapshot read from the database) and what it decides (a plan).
 * Both are plain data: the planning functions are pure and tested without a database.
 */
import type { NodeIntent } from '../../protocol/api.js';
import type { ResolvedDependency } from '../../protocol/spec.js';
import type { InstanceState, JobState, NodeState, PendingReason, TaskState } from '../../protocol/states.js';

export type Counts = Record<InstanceState, number>;

export interface Resources {
  cpu: number;
  memoryMiB: number;
  gpu: number;
}

export interface TaskSnapshot {
  name: string;
  position: number;
  state: TaskState;
  instanceCount: number;
  dependsOn: ResolvedDependency[];
  counts: Counts;
  /** PENDING instances still held by a dependency (pending reason DEPENDENCY). */
  blocked: number;
  /**
   * State of every instance by index. Loaded only for tasks that take part in a `per: instance`
   * dependency (as upstream or downstream); `undefined` otherwise.
   */
  instanceStates?: InstanceState[];
  /** For tasks with `per: instance` dependencies: which PENDING indexes are still blocked. */
  blockedIndexes?: number[];
}

export interface JobSnapshot {
  id: string;
  state: JobState;
  desired: 'run' | 'stop';
  /** A restart was asked for and not yet applied: the job is to be re-armed. */
  restartRequested: boolean;
  /** Tasks in topological order. */
  tasks: TaskSnapshot[];
}

/** Instances of one task that are free to run (dependencies met) and waiting for a node. */
export interface ReadyGroup {
  jobId: string;
  ownerId: string;
  priority: number;
  seq: number;
  taskName: string;
  position: number;
  environmentId: string;
  resources: Resources;
  nodeSelector: Record<string, string>;
  pending: number;
}

export interface NodeSnapshot {
  id: string;
  environmentId: string;
  labels: Record<string, string>;
  capacity: Resources;
  allocated: Resources;
}

export interface OwnerQuota {
  running: number;
  maxRunning: number;
}

// ---------------------------------------------------------------------------------------------

export interface TaskChange {
  jobId: string;
  task: string;
  from: TaskState;
  to: TaskState;
}

export interface JobChange {
  jobId: string;
  from: JobState;
  to: JobState;
}

/** Instances whose dependency wait is over: `indexes` undefined means every blocked one. */
export interface InstanceRelease {
  jobId: string;
  task: string;
  to: 'ready' | 'skip';
  indexes?: number[];
}

export interface ReconcilePlan {
  releases: InstanceRelease[];
  tasks: TaskChange[];
  jobs: JobChange[];
  /** Jobs being stopped: their PENDING instances become STOPPED and their attempts are killed. */
  stops: string[];
  /** Finished jobs to run again: what did not succeed goes back to PENDING (jobs/restart.ts). */
  rearms: string[];
}

/** A node whose intent (`desired`) and state disagree, as the scheduler reads it. */
export interface NodeIntentSnapshot {
  id: string;
  state: NodeState;
  desired: NodeIntent;
  /** It has active attempts: a node to terminate drains first. */
  busy: boolean;
}

/** Environments whose nodes are still coming: their waiting work says PROVISIONING, not NO_CAPACITY. */
export interface Provisioning {
  /** PROVISIONING nodes per environment id. */
  nodes: ReadonlyMap<string, number>;
  /** Environments that create nodes on demand (auto): no node yet is not NO_MATCHING_NODE. */
  elastic: ReadonlySet<string>;
}

export interface NodeChange {
  nodeId: string;
  from: NodeState;
  to: NodeState;
}

export interface Placement {
  jobId: string;
  task: string;
  nodeId: string;
  count: number;
  resources: Resources;
}

export interface PendingReasonChange {
  jobId: string;
  task: string;
  reason: PendingReason;
}

export interface PlacementPlan {
  placements: Placement[];
  reasons: PendingReasonChange[];
}
