/**
 * The attempts of this node by id. `startAttempt` is idempotent: the controller may send it again
 * after a reconnect, and an attempt this agent already knows (running or recently finished) is
 * never started twice.
 */
import type { KillAttempt, StartAttempt } from '../protocol/messages.js';
import { Attempt, type AttemptDeps, type KillReason } from './attempt.js';
import { log } from './log.js';
import type { StatusReport } from './status-reporter.js';

/** Finished attempt ids remembered to ignore late duplicate starts; ids are small, this is cheap. */
const REMEMBERED_FINISHED = 10_000;

export type SupervisorDeps = Omit<AttemptDeps, 'nodeId'>;

export class Supervisor {
  readonly #running = new Map<number, { attempt: Attempt; done: Promise<void> }>();
  readonly #finished = new Set<number>();
  #accepting = true;

  constructor(private readonly deps: SupervisorDeps) {}

  start(spec: StartAttempt, nodeId: string): void {
    if (this.#running.has(spec.attemptId) || this.#finished.has(spec.attemptId)) {
      log(`attempt ${spec.attemptId}: duplicate startAttempt ignored`);
      return;
    }
    if (!this.#accepting) {
      this.#reject(spec.attemptId, 'the agent is shutting down');
      return;
    }
    const attempt = new Attempt(spec, { ...this.deps, nodeId });
    const done = attempt.run().finally(() => {
      this.#running.delete(spec.attemptId);
      this.#remember(spec.attemptId);
    });
    this.#running.set(spec.attemptId, { attempt, done });
  }

  kill(msg: KillAttempt): void {
    const entry = this.#running.get(msg.attemptId);
    if (entry !== undefined) {
      entry.attempt.kill(msg.reason);
      return;
    }
    if (this.#finished.has(msg.attemptId)) return; // its final status is reported already
    // Never started here (the start was lost with a connection): it never will, so say so.
    log(`attempt ${msg.attemptId}: killAttempt for an attempt this agent does not know; reporting it ended`);
    this.#remember(msg.attemptId);
    this.deps.statuses.report(killedWithoutProcess(msg.attemptId, msg.reason));
  }

  /** Ids of attempts whose process has not ended yet. */
  running(): number[] {
    return [...this.#running.keys()];
  }

  /** Shutdown: refuse new attempts, kill every running one, resolve when all have reported. */
  stopAll(): Promise<void> {
    this.#accepting = false;
    const entries = [...this.#running.values()];
    for (const { attempt } of entries) attempt.kill('STOPPED');
    return Promise.all(entries.map((e) => e.done)).then(() => undefined);
  }

  #remember(attemptId: number): void {
    this.#finished.add(attemptId);
    if (this.#finished.size > REMEMBERED_FINISHED) {
      const oldest = this.#finished.values().next().value;
      if (oldest !== undefined) this.#finished.delete(oldest);
    }
  }

  #reject(attemptId: number, why: string): void {
    this.#remember(attemptId);
    this.deps.statuses.report({
      attemptId,
      state: 'FAILED',
      failureReason: 'AGENT_ERROR',
      exitCode: null,
      message: why,
    });
  }
}

function killedWithoutProcess(attemptId: number, reason: KillReason): StatusReport {
  return reason === 'TIMEOUT'
    ? {
        attemptId,
        state: 'FAILED',
        failureReason: 'TIMEOUT',
        exitCode: null,
        message: 'killed before it started on this node',
      }
    : { attemptId, state: 'STOPPED', exitCode: null, message: 'stopped before it started on this node' };
}
