/**
 * Runs scheduling passes when woken. Wakes are coalesced: any number of wakes while a pass runs
 * (or is queued) cause exactly one more pass, which carries all their reasons and the union of
 * the jobs they named. Reconciling costs what changed, so for reasons that arrive continuously
 * (agents' reports) it is paced: such a reconcile waits RECONCILE_PACE_FACTOR times what the
 * last one took, at most MAX_RECONCILE_INTERVAL_MS — placement still runs on every pass. Urgent
 * reasons (wake.ts says which) reconcile at once. Time comes from an injected clock, so all of
 * this is unit-tested with a clock the test moves (test/controller/scheduler-loop.test.ts).
 */
import type { Clock, Cancel } from '../clock.js';
import { errorText, type Logger } from '../log.js';
import { isUrgent, type WakeReason, type WakeScope } from './wake.js';

/** A reconcile may take at most 1 / (1 + 4) = 20 % of the time while reports stream in. */
export const RECONCILE_PACE_FACTOR = 4;
/** …but a held-back reconcile never waits longer than this, so a user sees states move promptly. */
export const MAX_RECONCILE_INTERVAL_MS = 100;
/** After a failed pass (database down, say), wait before the next so it is not hammered. */
export const FAILED_PASS_PAUSE_MS = 500;
/**
 * The backoff timer fires this long after the earliest `not_before`: the database compares
 * with its own clock, and firing exactly on time could find the instance still waiting.
 */
export const BACKOFF_TIMER_SLACK_MS = 5;
/** The periodic safety net: every active job is reconciled at least this often. */
export const DEFAULT_TICK_MS = 2000;

/** What a pass is asked to do. */
export interface PassRequest {
  reasons: readonly WakeReason[];
  /** The jobs to reconcile (placement always runs). */
  reconcile: WakeScope;
  /** When the first of `reasons` woke the loop (clock ms): the start of dispatch latency. */
  wokenAt: number;
}

/** What a pass read and changed: logged at debug level, and the basis of the follow-up wake. */
export interface PassReport {
  read: { jobs: number; readyGroups: number; nodes: number };
  changed: { instances: number; tasks: number; jobs: number; nodes: number; started: number; killed: number };
  /** Jobs this pass changed: reconciled again by the follow-up pass. */
  touchedJobs: ReadonlySet<string>;
  /** How long the reconcile part took (0 when the pass reconciled nothing): the pacing input. */
  reconcileMs: number;
  /** Whether it made instances ready to place (released, re-armed): other controllers' nodes may take them. */
  madeReady?: boolean;
}

export type RunPass = (request: PassRequest) => Promise<PassReport>;

export interface SchedulerLoopOptions {
  runPass: RunPass;
  clock: Clock;
  log: Logger;
  /** When the earliest retry backoff ends (ms since the epoch), if any. */
  nextBackoffEnd: () => Promise<number | undefined>;
  tickMs?: number;
  /** Called after every successful pass (metrics, tests). */
  onPass?: (request: PassRequest, report: PassReport, durationMs: number) => void;
}

export function changedAnything(report: PassReport): boolean {
  const c = report.changed;
  return c.instances + c.tasks + c.jobs + c.nodes + c.started + c.killed > 0;
}

export class SchedulerLoop {
  private readonly reasons = new Set<WakeReason>();
  /** Jobs to reconcile in the next pass. */
  private dirty: Set<string> | 'all' = 'all';
  private running = false;
  private stopped = false;
  private queued: Cancel | undefined;
  private cancelTicker: Cancel | undefined;
  private cancelBackoff: Cancel | undefined;
  private cancelReconcileDue: Cancel | undefined;
  private lastReconcileAt = Number.NEGATIVE_INFINITY;
  private lastReconcileMs = 0;
  private idleWaiters: (() => void)[] = [];
  /** When the oldest reason not yet taken by a pass arrived. */
  private firstWakeAt: number | undefined;
  private lastPassEnd: number | undefined;
  /** Passes begun and ended so far, and who waits for which to end (`settle`). */
  private passesBegun = 0;
  private passesEnded = 0;
  private settleWaiters: { pass: number; resolve: () => void }[] = [];

  constructor(private readonly options: SchedulerLoopOptions) {}

  start(): void {
    this.cancelTicker = this.options.clock.every(this.options.tickMs ?? DEFAULT_TICK_MS, () => {
      this.wake('tick');
    });
    this.wake('start');
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of [this.cancelTicker, this.queued, this.cancelBackoff, this.cancelReconcileDue]) cancel?.();
    for (const waiter of this.settleWaiters.splice(0)) waiter.resolve();
  }

  /** Asks for a pass; `jobs` names what to reconcile (default: every active job). */
  wake(reason: WakeReason, jobs: WakeScope = 'all'): void {
    if (this.stopped) return;
    if (this.reasons.size === 0) this.firstWakeAt = this.options.clock.now();
    this.reasons.add(reason);
    if (jobs === 'all') this.dirty = 'all';
    else if (this.dirty !== 'all') for (const id of jobs) this.dirty.add(id);
    if (this.running || this.queued) return;
    this.queued = this.options.clock.soon(() => {
      this.queued = undefined;
      void this.runPasses();
    });
  }

  /**
   * Wakes, and resolves once a pass that began after this call has ended: a command that wrote
   * intent can then answer with the states the scheduler derived from it.
   */
  settle(reason: WakeReason, jobs: WakeScope = 'all'): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const pass = this.passesBegun + 1;
    const settled = new Promise<void>((resolve) => this.settleWaiters.push({ pass, resolve }));
    this.wake(reason, jobs);
    return settled;
  }

  /** When the last pass that did not fail ended (clock ms), if any has: readiness asks. */
  get lastPassEndedAt(): number | undefined {
    return this.lastPassEnd;
  }

  /** Resolves when no pass is running or queued (tests and shutdown). */
  idle(): Promise<void> {
    if (!this.running && !this.queued) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async runPasses(): Promise<void> {
    this.running = true;
    while (this.reasons.size > 0 && !this.stopped) {
      const started = this.options.clock.now();
      const request: PassRequest = {
        reasons: [...this.reasons],
        reconcile: this.takeDirty(),
        wokenAt: this.firstWakeAt ?? started,
      };
      this.reasons.clear();
      this.firstWakeAt = undefined;
      this.passesBegun += 1;
      try {
        const report = await this.options.runPass(request);
        this.lastPassEnd = this.options.clock.now();
        const duration = this.lastPassEnd - started;
        if (!isScopeEmpty(request.reconcile)) {
          this.lastReconcileAt = started;
          this.lastReconcileMs = report.reconcileMs;
        }
        this.options.log.debug(describePass(request, report, duration));
        this.options.onPass?.(request, report, duration);
        if (changedAnything(report)) this.wake('follow-up', [...report.touchedJobs]);
      } catch (err) {
        this.dirty = 'all';
        this.options.log.error(`scheduling pass failed (${request.reasons.join(', ')}): ${errorText(err)}`);
        await new Promise<void>((resolve) => this.options.clock.after(FAILED_PASS_PAUSE_MS, resolve));
      }
      this.passesEnded += 1;
      this.settleWaiters = this.settleWaiters.filter((w) => {
        if (w.pass > this.passesEnded) return true;
        w.resolve();
        return false;
      });
    }
    this.running = false;
    if (!this.stopped) await this.armBackoffTimer();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /**
   * The jobs the coming pass reconciles. When every reason is paced and the last reconcile was
   * too recent, none: a timer wakes the loop when the reconcile is due, and the jobs stay dirty.
   */
  private takeDirty(): WakeScope {
    const dirty = this.dirty;
    const urgent = [...this.reasons].some(isUrgent);
    const interval = Math.min(MAX_RECONCILE_INTERVAL_MS, this.lastReconcileMs * RECONCILE_PACE_FACTOR);
    const wait = this.lastReconcileAt + interval - this.options.clock.now();
    if (dirty !== 'all' && dirty.size > 0 && wait > 0 && !urgent) {
      this.cancelReconcileDue ??= this.options.clock.after(wait, () => {
        this.cancelReconcileDue = undefined;
        this.wake('reconcile-due', []);
      });
      return [];
    }
    this.dirty = new Set();
    return dirty === 'all' ? 'all' : [...dirty];
  }

  /** Wakes when the earliest retry backoff ends, rather than waiting for the next tick. */
  private async armBackoffTimer(): Promise<void> {
    this.cancelBackoff?.();
    this.cancelBackoff = undefined;
    try {
      const end = await this.options.nextBackoffEnd();
      if (end === undefined || this.stopped) return;
      const delay = Math.max(0, end - this.options.clock.now()) + BACKOFF_TIMER_SLACK_MS;
      this.cancelBackoff = this.options.clock.after(delay, () => {
        this.wake('backoff-ended');
      });
    } catch (err) {
      this.options.log.warn(`could not read retry backoffs: ${errorText(err)}`);
    }
  }
}

function isScopeEmpty(scope: WakeScope): boolean {
  return scope !== 'all' && scope.length === 0;
}

function describePass(request: PassRequest, report: PassReport, durationMs: number): string {
  const scope = request.reconcile === 'all' ? 'all jobs' : `${request.reconcile.length} job(s)`;
  const { read, changed } = report;
  return (
    `pass (${request.reasons.join(', ')}; reconcile ${scope}) in ${durationMs.toFixed(1)} ms: ` +
    `read ${read.jobs} job(s), ${read.readyGroups} ready group(s), ${read.nodes} node(s); ` +
    `changed ${changed.instances} instance(s), ${changed.tasks} task(s), ${changed.jobs} job(s), ${changed.nodes} node(s); ` +
    `started ${changed.started}, killed ${changed.killed}`
  );
}
