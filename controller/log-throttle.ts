/**
 * Bounds how often one kind of log line is written, for lines a peer can provoke (a bad frame,
 * an unknown token): anyone could otherwise fill the disk through the controller's log. Past
 * the budget, lines are counted and their number is logged once the window ends.
 */
import type { Clock } from './clock.js';

export class LogThrottle {
  private windowStart = Number.NEGATIVE_INFINITY;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly write: (line: string) => void,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly perWindow = 20,
    private readonly windowMs = 60_000,
  ) {}

  /** Writes `line` if this window's budget allows; otherwise counts it. */
  log(line: string): void {
    const now = this.clock.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0)
        this.write(`(${this.suppressed} more like this in the last ${this.windowMs / 1000} s not logged)`);
      this.windowStart = now;
      this.written = 0;
      this.suppressed = 0;
    }
    if (this.written < this.perWindow) {
      this.written += 1;
      this.write(line);
    } else this.suppressed += 1;
  }
}
