/**
 * Time and timers as a dependency, so that loops which pace themselves (the scheduler) are
 * tested with a clock the test moves, not with sleeps. `systemClock` is the real one.
 */
export type Cancel = () => void;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms`. */
  after(ms: number, fn: () => void): Cancel;
  /** Runs `fn` on the next turn of the event loop, before any timer (setImmediate). */
  soon(fn: () => void): Cancel;
  /** Runs `fn` every `ms`. */
  every(ms: number, fn: () => void): Cancel;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  soon: (fn) => {
    const t = setImmediate(fn);
    return () => clearImmediate(t);
  },
  every: (ms, fn) => {
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  },
};
