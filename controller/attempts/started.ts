/**
 * An attempt handed to a node: what the scheduler's claim and the gateway's resync both produce
 * and the gateway turns into a `startAttempt` message. It lives apart from both so that neither
 * imports the other.
 */
import type { ResolvedTask } from '../../protocol/spec.js';

/** What a node needs to run one attempt. */
export interface StartedAttempt {
  attemptId: number;
  attempt: number;
  nodeId: string;
  jobId: string;
  jobName: string;
  /** The job's owner: the node runs each owner's attempts as that owner's own OS user. */
  ownerId: string;
  /** The owner's number (users.number), which gives that OS user's uid on every node. */
  ownerNumber: number;
  taskName: string;
  index: number;
  count: number;
  environment: string;
  spec: ResolvedTask;
}

/** A row naming an attempt to start, as the claim and the resync queries return it. */
export interface StartedRow {
  attempt_id: number;
  attempt: number;
  node_id: string;
  job_id: string;
  job_name: string;
  owner_id: string;
  owner_number: number;
  task_name: string;
  index: number;
  count: number;
  environment: string;
  spec: ResolvedTask;
}

export function startedFromRow(r: StartedRow): StartedAttempt {
  return {
    attemptId: r.attempt_id,
    attempt: r.attempt,
    nodeId: r.node_id,
    jobId: r.job_id,
    jobName: r.job_name,
    ownerId: r.owner_id,
    ownerNumber: r.owner_number,
    taskName: r.task_name,
    index: r.index,
    count: r.count,
    environment: r.environment,
    spec: r.spec,
  };
}

/** An attempt a stop (or a superseding claim) wants dead, and the node that runs it. */
export interface AttemptKill {
  attemptId: number;
  nodeId: string;
}

/** How the scheduler hands its decisions to the nodes; the gateway implements it at wiring. */
export interface AttemptDelivery {
  /** Sends starts to their nodes (signed URLs first); a node not connected gets them on resync. */
  starts(attempts: readonly StartedAttempt[]): Promise<void>;
  /** Sends kills; a node not connected gets them on resync (its attempts' `desired` says stop). */
  kills(kills: readonly AttemptKill[]): void;
}
