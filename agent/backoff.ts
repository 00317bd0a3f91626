/**
 * Reconnect delays: exponential with jitter (the connection uses 0.5 s to 10 s), so that the agents of a whole
 * fleet do not reconnect in lockstep after a controller restart.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  random?: () => number;
}

export class Backoff {
  #failures = 0;
  readonly #opts: Required<BackoffOptions>;

  constructor(opts: BackoffOptions = { initialMs: 500, maxMs: 30_000 }) {
    this.#opts = { random: Math.random, ...opts };
  }

  /** The delay before the next attempt; each call without a `reset` doubles the ceiling. */
  next(): number {
    const ceiling = Math.min(this.#opts.maxMs, this.#opts.initialMs * 2 ** this.#failures);
    if (ceiling < this.#opts.maxMs) this.#failures += 1;
    // "equal jitter": never less than half the ceiling, so a burst of failures still backs off
    return Math.round(ceiling / 2 + (this.#opts.random() * ceiling) / 2);
  }

  reset(): void {
    this.#failures = 0;
  }
}
