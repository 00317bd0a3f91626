/**
 * A clock the test moves: timers fire only when `advance` passes their time, `soon` callbacks
 * only on `runSoon`. Lets loops that pace themselves be tested without sleeping.
 */
import type { Cancel, Clock } from '../../controller/clock.js';

interface Timer {
  at: number;
  fn: () => void;
  every?: number;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private time = 1_000_000;
  private timers: Timer[] = [];
  private soonQueue: { fn: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): Cancel {
    return this.add({ at: this.time + ms, fn, cancelled: false });
  }

  every(ms: number, fn: () => void): Cancel {
    return this.add({ at: this.time + ms, fn, every: ms, cancelled: false });
  }

  soon(fn: () => void): Cancel {
    const entry = { fn, cancelled: false };
    this.soonQueue.push(entry);
    return () => {
      entry.cancelled = true;
    };
  }

  /** Runs what `soon` queued (and what those queue in turn). */
  runSoon(): number {
    let ran = 0;
    while (this.soonQueue.length > 0) {
      const entry = this.soonQueue.shift()!;
      if (entry.cancelled) continue;
      ran += 1;
      entry.fn();
    }
    return ran;
  }

  /** Moves time forward, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.time = due.at;
      if (due.every === undefined) due.cancelled = true;
      else due.at += due.every;
      due.fn();
    }
    this.time = end;
    this.timers = this.timers.filter((t) => !t.cancelled);
  }

  /** Timers still waiting, for assertions. */
  pending(): number[] {
    return this.timers.filter((t) => !t.cancelled).map((t) => t.at - this.time);
  }

  private add(timer: Timer): Cancel {
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
}
