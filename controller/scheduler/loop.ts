/**
 * Runs scheduling passes: snapshot → plan → apply, then hands new attempts to their nodes.
 * Wake-ups carry a reason and are coalesced: any number of wakes during a pass cause exactly
 * one more pass. A wake may name the jobs whose instances changed: only those are reconciled,
 * so a pass costs what changed, not every instance of every active job. A periodic tick
 * reconciles everything, the safety net for anything missed.
 */
import { MIN_TASK_CPU } from '../../protocol/spec.js';
import type { Database } from '../db/client.js';
import type { StartDelivery } from '../gateway/deliver-starts.js';
import type { SessionRegistry } from '../gateway/registry.js';
import { errorText, type Logger } from '../log.js';
import { applyPendingReasons, applyPlacements, applyReconcile } from './apply.js';
import { place } from './place.js';
import { reconcile } from './reconcile.js';
import { loadActiveJobs, loadNextBackoffEnd, loadQuotas, loadReadyGroups, loadReadyNodes } from './snapshot.js';
import type { NodeSnapshot } from './types.js';

const MAX_RECONCILE_INTERVAL_MS = 100;
/** Wakes that come from a person or from a node's fate: their jobs are reconciled at once. */
const URGENT: ReadonlySet<string> = new Set([
  'start',
  'tick',
  'job-stopped',
  'job-restarted',
  'nodes-lost',
  'backoff-ended',
]);

/** The most instances this pass could place: free cpu over the smallest cpu a task may ask. */
function placementCap(nodes: readonly NodeSnapshot[]): number {
  let cap = 0;
  for (const n of nodes) cap += Math.max(0, n.capacity.cpu - n.allocated.cpu) / MIN_TASK_CPU;
  return Math.min(cap, 1_000_000);
}

export interface PassResult {
  reasons: string[];
  stateChanges: number;
  started: number;
  /** Jobs this pass changed, to reconcile again in a follow-up pass. */
  touchedJobs: Set<string>;
}

export class Scheduler {
  private running = false;
  private wakeReasons = new Set<string>();
  /** Jobs to reconcile in the next pass; `all` = every active job. */
  private dirty: Set<string> | 'all' = 'all';
  /** The queued pass; setImmediate, since setTimeout(0) waits at least a millisecond. */
  private timer: NodeJS.Immediate | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private lastReconcile = 0;
  private lastReconcileMs = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: Database,
    private readonly registry: SessionRegistry,
    private readonly starts: StartDelivery,
    private readonly log: Logger,
    private readonly onPass: (result: PassResult) => void = () => {},
  ) {}

  start(tickMs = 2000): void {
    this.ticker = setInterval(() => this.wake('tick'), tickMs);
    this.wake('start');
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.ticker);
    clearImmediate(this.timer);
    clearTimeout(this.backoffTimer);
    clearTimeout(this.reconcileTimer);
  }

  wake(reason: string, jobIds?: Iterable<string>): void {
    if (this.stopped) return;
    this.wakeReasons.add(reason);
    if (jobIds === undefined) this.dirty = 'all';
    else if (this.dirty !== 'all') for (const id of jobIds) this.dirty.add(id);
    if (this.running || this.timer) return;
    this.timer = setImmediate(() => {
      this.timer = undefined;
      void this.runPasses();
    });
  }

  /** Resolves when no pass is running or queued (tests and shutdown). */
  idle(): Promise<void> {
    if (!this.running && !this.timer) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async runPasses(): Promise<void> {
    this.running = true;
    while (this.wakeReasons.size > 0 && !this.stopped) {
      const reasons = [...this.wakeReasons];
      this.wakeReasons.clear();
      const dirty = this.takeDirty(reasons);
      try {
        const result = await this.pass(reasons, dirty);
        this.onPass(result);
        // Changes made by this pass can unlock more (a task finishing releases its dependents,
        // placed instances move their job to RUNNING).
        if (result.stateChanges > 0 || result.started > 0) this.wake('follow-up', result.touchedJobs);
      } catch (err) {
        this.dirty = 'all';
        this.log.error(`scheduling pass failed (${reasons.join(', ')}): ${errorText(err)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    this.running = false;
    if (!this.stopped) await this.armBackoffTimer();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /**
   * The jobs to reconcile in this pass. Attempt reports arrive continuously on a busy fleet, and
   * reconciling counts instances; so report-driven reconciles are spaced by four times what the
   * last one took, at most MAX_RECONCILE_INTERVAL_MS (placement still runs every pass). Anything a
   * user did is reconciled at once.
   */
  private takeDirty(reasons: readonly string[]): Set<string> | 'all' {
    const dirty = this.dirty;
    // Adaptive: a reconcile that took 2 ms may run again 8 ms later; one that took 30 ms waits 100 ms.
    const interval = Math.min(MAX_RECONCILE_INTERVAL_MS, this.lastReconcileMs * 4);
    const wait = this.lastReconcile + interval - Date.now();
    if (dirty !== 'all' && dirty.size > 0 && wait > 0 && !reasons.some((r) => URGENT.has(r))) {
      this.reconcileTimer ??= setTimeout(() => {
        this.reconcileTimer = undefined;
        this.wake('reconcile-due', []);
      }, wait);
      return new Set();
    }
    this.dirty = new Set();
    if (dirty === 'all' || dirty.size > 0) this.lastReconcile = Date.now();
    return dirty;
  }

  /** Wakes when the earliest retry backoff ends, rather than waiting for the next tick. */
  private async armBackoffTimer(): Promise<void> {
    clearTimeout(this.backoffTimer);
    try {
      const end = await loadNextBackoffEnd(this.store);
      if (end !== undefined)
        this.backoffTimer = setTimeout(() => this.wake('backoff-ended'), Math.max(0, end - Date.now()) + 5);
    } catch (err) {
      this.log.warn(`could not read retry backoffs: ${(err as Error).message}`);
    }
  }

  async pass(reasons: string[], dirty: Set<string> | 'all' = 'all'): Promise<PassResult> {
    const reconcileStart = Date.now();
    const jobs =
      dirty === 'all'
        ? await loadActiveJobs(this.store)
        : dirty.size > 0
          ? await loadActiveJobs(this.store, [...dirty])
          : [];
    const reconcilePlan = reconcile(jobs);
    await applyReconcile(this.store, reconcilePlan);
    if (dirty === 'all' || dirty.size > 0) this.lastReconcileMs = Date.now() - reconcileStart;

    const nodes = await loadReadyNodes(this.store, this.registry.connected());
    const groups = await loadReadyGroups(this.store, placementCap(nodes));
    let started = 0;
    let placements: { jobId: string }[] = [];
    if (groups.length > 0) {
      const quotas = await loadQuotas(this.store, [...new Set(groups.map((g) => g.ownerId))]);
      const plan = place(groups, nodes, quotas);
      const attempts = await applyPlacements(this.store, plan.placements);
      placements = plan.placements;
      started = attempts.length;
      // Starts go out as soon as the claim commits; pending reasons are not on their path.
      // A node that went away meanwhile gets these on reconnect (resync re-sends SCHEDULED attempts).
      await this.starts.deliver(attempts);
      await applyPendingReasons(this.store, plan.reasons);
    }
    const stateChanges = reconcilePlan.releases.length + reconcilePlan.tasks.length + reconcilePlan.jobs.length;
    const touchedJobs = new Set<string>(
      [...reconcilePlan.releases, ...reconcilePlan.tasks, ...reconcilePlan.jobs].map((c) => c.jobId),
    );
    for (const p of placements) touchedJobs.add(p.jobId);
    return { reasons, stateChanges, started, touchedJobs };
  }
}
