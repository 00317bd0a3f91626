/**
 * Why a scheduling pass runs (STYLE: every pass records its trigger). A wake names its reason
 * and which jobs changed: `all` reconciles every active job, a list only those, `[]` none (the
 * pass only places). How each reason is paced is decided here, once, for all of them.
 */

/** Every reason the scheduler can be woken for, and whether its pass reconciles at once. */
export const WAKE_REASONS = {
  /** The controller started: everything is reconciled. */
  start: 'urgent',
  /** The periodic safety net: everything is reconciled, whatever was missed. */
  tick: 'urgent',
  /** A job was submitted: its stored states are already right, it only needs placing. */
  'job-submitted': 'urgent',
  /** A user asked a job to stop: its pending instances stop and its attempts are killed now. */
  'job-stopped': 'urgent',
  /** A user asked a finished job to run again: it is re-armed now. */
  'job-restarted': 'urgent',
  /** A user drained or undrained a node. */
  'node-intent': 'urgent',
  /** Nodes went silent and their attempts failed: re-queued work needs placing elsewhere. */
  'nodes-lost': 'urgent',
  /** A node connected: new capacity. */
  'node-ready': 'urgent',
  /** A retry's backoff ended: its instance may be placed now. */
  'backoff-ended': 'urgent',
  /** Agents reported starts, ends and logs: arrive continuously on a busy fleet, so paced. */
  'attempt-reports': 'paced',
  /** The last pass changed states, which may unlock more (a finished task frees its dependents). */
  'follow-up': 'paced',
  /** A paced reconcile that was held back is now due. */
  'reconcile-due': 'paced',
  /**
   * Another controller on the same database made work ready (a submit, a restart, released or
   * re-queued instances): the nodes connected here may take it (controller/cluster/).
   */
  'peer-work': 'urgent',
} as const satisfies Record<string, 'urgent' | 'paced'>;

export type WakeReason = keyof typeof WAKE_REASONS;

/** Which jobs a wake asks to reconcile. */
export type WakeScope = 'all' | readonly string[];

/** How the rest of the controller wakes the scheduler. */
export type Wake = (reason: WakeReason, jobs?: WakeScope) => void;

export function isUrgent(reason: WakeReason): boolean {
  return WAKE_REASONS[reason] === 'urgent';
}
