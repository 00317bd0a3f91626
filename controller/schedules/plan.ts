/**
 * Which ticks of a due schedule to act on, and how: pure, from the schedule's first unhandled
 * tick, the time now and when this controller started. No I/O, no clock.
 *
 * A tick is *missed* when it fell before this controller started (no controller ran it: a
 * running one would have) or is over LATE_LIMIT_MS late (the controller could not run it, e.g.
 * its database was away). Missed ticks follow the catch-up policy: `none` records one run that
 * says how many there were, `latest` runs the latest of them once. The other due ticks run.
 */
import type { CatchUpPolicy } from '../../protocol/schedule.js';
import type { CronSchedule } from './cron.js';

/** Ticks later than this are missed rather than run late. */
export const LATE_LIMIT_MS = 60_000;
/** Missed ticks are counted up to this; a run says "at least" beyond it. */
export const MAX_COUNTED_MISSES = 1000;

export type TickAction =
  /** Run this tick (overlap policy applies); `missed` other ticks were dropped for it. */
  | { kind: 'run'; tick: number; missed: number }
  /** Record that `missed` ticks up to this one were not run. */
  | { kind: 'missed'; tick: number; missed: number };

export interface TickPlan {
  actions: TickAction[];
  /** The first tick after now: the schedule's next. */
  next: number | undefined;
}

export function planTicks(
  cron: CronSchedule,
  catchUp: CatchUpPolicy,
  firstDue: number,
  now: number,
  startedAt: number,
): TickPlan {
  const missedBefore = Math.max(startedAt, now - LATE_LIMIT_MS);
  const actions: TickAction[] = [];
  let tick: number | undefined = firstDue;
  if (tick < missedBefore) {
    let count = 0;
    let last = tick;
    for (; tick !== undefined && tick < missedBefore && count < MAX_COUNTED_MISSES; tick = cron.nextAfter(tick)) {
      count += 1;
      last = tick;
    }
    if (tick !== undefined && tick < missedBefore) {
      // Over the count: the latest missed tick is found from the end instead.
      last = lastTickBefore(cron, last, missedBefore);
      tick = cron.nextAfter(last);
    }
    actions.push(
      catchUp === 'latest'
        ? { kind: 'run', tick: last, missed: count - 1 }
        : { kind: 'missed', tick: last, missed: count },
    );
  }
  for (; tick !== undefined && tick <= now; tick = cron.nextAfter(tick)) actions.push({ kind: 'run', tick, missed: 0 });
  return { actions, next: tick };
}

/** The last tick before `before` and after `from`, searched in windows doubling back from `before`. */
function lastTickBefore(cron: CronSchedule, from: number, before: number): number {
  for (let window = 60_000; ; window *= 2) {
    const start = Math.max(from, before - window);
    let last: number | undefined;
    for (let at = cron.nextAfter(start); at !== undefined && at < before; at = cron.nextAfter(at)) last = at;
    if (last !== undefined || start === from) return last ?? from;
  }
}
