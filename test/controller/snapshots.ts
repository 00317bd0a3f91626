/**
 * Plain-data snapshots for the pure scheduler, written the way the spec talks about them:
 *
 *   job(task('prepare', ['SUCCEEDED']), task('render', ['BLOCKED', 'BLOCKED'], { dependsOn: ['prepare'] }))
 *
 * `BLOCKED` is a PENDING instance whose pending reason is DEPENDENCY. Snapshots are built the way
 * `loadActiveJobs` builds them from the database, including which tasks carry instance-level states.
 */
import type { ResolvedDependency } from '../../protocol/spec.js';
import {
  canTransition,
  JOB_TRANSITIONS,
  TASK_TRANSITIONS,
  type InstanceState,
  type JobState,
  type TaskState,
} from '../../protocol/states.js';
import { deriveTaskState, emptyCounts } from '../../controller/scheduler/derive.js';
import { reconcileJob } from '../../controller/scheduler/reconcile.js';
import type {
  Counts,
  JobSnapshot,
  NodeSnapshot,
  OwnerQuota,
  PlacementPlan,
  ReadyGroup,
  ReconcilePlan,
  Resources,
  TaskSnapshot,
} from '../../controller/scheduler/types.js';

export type InstanceSpec = InstanceState | 'BLOCKED';
export type DependencySpec = string | ({ task: string } & Partial<ResolvedDependency>);

export interface TaskOptions {
  dependsOn?: DependencySpec[];
  /** The task state stored in the database; by default the one its instances give. */
  state?: TaskState;
}

/** A task definition; `job()` turns it into a TaskSnapshot. */
export interface TaskDraft {
  name: string;
  instances: InstanceSpec[];
  dependsOn: ResolvedDependency[];
  state?: TaskState;
}

export function task(name: string, instances: InstanceSpec[], options: TaskOptions = {}): TaskDraft {
  const draft: TaskDraft = {
    name,
    instances,
    dependsOn: (options.dependsOn ?? []).map((d) =>
      typeof d === 'string' ? { task: d, on: 'success', per: 'task' } : { on: 'success', per: 'task', ...d },
    ),
  };
  if (options.state) draft.state = options.state;
  return draft;
}

/** Instance counts and the number held by a dependency, as the snapshot query counts them. */
export function countsOf(instances: readonly InstanceSpec[]): { counts: Counts; blocked: number } {
  const counts = emptyCounts();
  let blocked = 0;
  for (const s of instances) {
    counts[s === 'BLOCKED' ? 'PENDING' : s] += 1;
    if (s === 'BLOCKED') blocked += 1;
  }
  return { counts, blocked };
}

/** `n` instances in the same state. */
export const times = (n: number, state: InstanceSpec): InstanceSpec[] => new Array<InstanceSpec>(n).fill(state);

export interface JobOptions {
  id?: string;
  state?: JobState;
  desired?: 'run' | 'stop';
  restartRequested?: boolean;
}

/** A job snapshot; tasks are given in topological order, as the database returns them. */
export function job(...tasks: TaskDraft[]): JobSnapshot;
export function job(options: JobOptions, ...tasks: TaskDraft[]): JobSnapshot;
export function job(first: JobOptions | TaskDraft, ...rest: TaskDraft[]): JobSnapshot {
  const options: JobOptions = 'instances' in first ? {} : first;
  const drafts = 'instances' in first ? [first, ...rest] : rest;
  const snapshots: TaskSnapshot[] = drafts.map((draft, position) => {
    const { counts, blocked } = countsOf(draft.instances);
    return {
      name: draft.name,
      position,
      state: draft.state ?? deriveTaskState(counts, draft.instances.length, blocked),
      instanceCount: draft.instances.length,
      dependsOn: draft.dependsOn,
      counts,
      blocked,
    };
  });
  // As loadActiveJobs: instance-level states only for blocked tasks with per-instance
  // dependencies and for their per-instance upstreams.
  const byName = new Map(snapshots.map((s) => [s.name, s]));
  const detailed = new Set<string>();
  for (const s of snapshots) {
    const perInstance = s.dependsOn.filter((d) => d.per === 'instance');
    if (s.blocked === 0 || perInstance.length === 0) continue;
    detailed.add(s.name);
    for (const d of perInstance) detailed.add(d.task);
  }
  for (const name of detailed) {
    const s = byName.get(name)!;
    const draft = drafts.find((d) => d.name === name)!;
    s.instanceStates = draft.instances.map((i) => (i === 'BLOCKED' ? 'PENDING' : i));
    const blockedIndexes = draft.instances.flatMap((i, index) => (i === 'BLOCKED' ? [index] : []));
    if (blockedIndexes.length > 0) s.blockedIndexes = blockedIndexes;
  }
  return {
    id: options.id ?? 'job-1',
    state: options.state ?? 'RUNNING',
    desired: options.desired ?? 'run',
    restartRequested: options.restartRequested ?? false,
    tasks: snapshots,
  };
}

export interface Reconciled {
  plan: ReconcilePlan;
  /** Releases as `task: ready|skip` or `task[0,2]: ready|skip`. */
  releases: string[];
  /** Every task's state once the plan is applied. */
  tasks: Record<string, TaskState>;
  /** The job's state once the plan is applied. */
  job: JobState;
  /** Planned changes that the transition tables of protocol/states.ts do not allow. */
  illegal: string[];
}

/** Runs one reconcile of one job and reads the result as states. */
export function reconcileOnce(snapshot: JobSnapshot): Reconciled {
  const stored = Object.fromEntries(snapshot.tasks.map((t) => [t.name, t.state])) as Record<string, TaskState>;
  const storedJob = snapshot.state;
  const plan = reconcileJob(snapshot);
  const tasks = { ...stored };
  for (const change of plan.tasks) tasks[change.task] = change.to;
  const illegal = [
    ...plan.tasks
      .filter((c) => !canTransition(TASK_TRANSITIONS, c.from, c.to))
      .map((c) => `task ${c.task}: ${c.from} → ${c.to}`),
    ...plan.jobs
      .filter((c) => !canTransition(JOB_TRANSITIONS, c.from, c.to))
      .map((c) => `job ${c.jobId}: ${c.from} → ${c.to}`),
  ];
  return {
    plan,
    releases: plan.releases.map((r) => `${r.task}${r.indexes ? `[${r.indexes.join(',')}]` : ''}: ${r.to}`),
    tasks,
    job: plan.jobs.at(-1)?.to ?? storedJob,
    illegal,
  };
}

// ---------------------------------------------------------------------------------------------
// Placement

export interface NodeOptions {
  env?: string;
  cpu?: number;
  memoryMiB?: number;
  gpu?: number;
  labels?: Record<string, string>;
  allocated?: Partial<Resources>;
}

/** A READY node of environment `env-a` with 4 cpus, 16 GiB and no GPU unless told otherwise. */
export function node(id: string, options: NodeOptions = {}): NodeSnapshot {
  return {
    id,
    environmentId: options.env ?? 'env-a',
    labels: options.labels ?? {},
    capacity: { cpu: options.cpu ?? 4, memoryMiB: options.memoryMiB ?? 16384, gpu: options.gpu ?? 0 },
    allocated: { cpu: 0, memoryMiB: 0, gpu: 0, ...options.allocated },
  };
}

export interface GroupOptions {
  pending?: number;
  job?: string;
  owner?: string;
  priority?: number;
  seq?: number;
  position?: number;
  env?: string;
  cpu?: number;
  memoryMiB?: number;
  gpu?: number;
  selector?: Record<string, string>;
}

/** Ready instances of one task: 1 pending instance of 1 cpu in `env-a`, owned by `alice`, unless told otherwise. */
export function group(taskName: string, options: GroupOptions = {}): ReadyGroup {
  return {
    jobId: options.job ?? `job-${taskName}`,
    ownerId: options.owner ?? 'alice',
    priority: options.priority ?? 0,
    seq: options.seq ?? 1,
    taskName,
    position: options.position ?? 0,
    environmentId: options.env ?? 'env-a',
    resources: { cpu: options.cpu ?? 1, memoryMiB: options.memoryMiB ?? 0, gpu: options.gpu ?? 0 },
    nodeSelector: options.selector ?? {},
    pending: options.pending ?? 1,
  };
}

export function quotas(entries: Record<string, OwnerQuota>): Map<string, OwnerQuota> {
  return new Map(Object.entries(entries));
}

/** Placements as `task@node ×count`, in the order planned. */
export function placementsOf(plan: PlacementPlan): string[] {
  return plan.placements.map((p) => `${p.task}@${p.nodeId} ×${p.count}`);
}

/** Instances placed per task. */
export function placedCount(plan: PlacementPlan, taskName: string): number {
  return plan.placements.filter((p) => p.task === taskName).reduce((n, p) => n + p.count, 0);
}

/** Pending reasons by task. */
export function reasonsOf(plan: PlacementPlan): Record<string, string> {
  return Object.fromEntries(plan.reasons.map((r) => [r.task, r.reason]));
}
