/**
 * Heartbeats during a session, every `welcome.heartbeatIntervalMs`. A heartbeat carries the most
 * recent metrics rather than waiting for fresh ones: the disk probe waits on the file system
 * (seconds on a slow network share), and liveness must not depend on it.
 */
import type { NodeMetrics } from '../protocol/messages.js';
import { describeError, log } from './log.js';
import { MetricsReader } from './metrics.js';
import type { Outbox } from './outbox.js';

export interface HeartbeatOptions {
  agentDir: string;
  outbox: Outbox;
  /** Attempts to list as running: still running, or ended with the final status unacknowledged. */
  running: () => number[];
}

export class Heartbeats {
  readonly #opts: HeartbeatOptions;
  readonly #metrics: MetricsReader;
  #timer: NodeJS.Timeout | undefined;
  #latest: NodeMetrics | undefined;
  #collecting = false;

  constructor(opts: HeartbeatOptions) {
    this.#opts = opts;
    this.#metrics = new MetricsReader(opts.agentDir);
    this.#refreshMetrics();
  }

  start(intervalMs: number): void {
    this.stop();
    this.#beat();
    this.#timer = setInterval(() => this.#beat(), intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #beat(): void {
    const beat = { kind: 'heartbeat' as const, running: this.#opts.running() };
    this.#opts.outbox.send(this.#latest === undefined ? beat : { ...beat, metrics: this.#latest });
    this.#refreshMetrics();
  }

  #refreshMetrics(): void {
    if (this.#collecting) return;
    this.#collecting = true;
    this.#metrics
      .read()
      .then((metrics) => {
        this.#latest = metrics;
      })
      // read() guards every probe; reaching this is a bug worth seeing, not a crash
      .catch((err: unknown) => log(`metrics collection failed: ${describeError(err)}`))
      .finally(() => {
        this.#collecting = false;
      });
  }
}
