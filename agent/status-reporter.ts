/**
 * Reports attempt statuses and keeps the latest one of each attempt until the controller
 * acknowledges exactly that state. A final status must never be lost: it is what frees the
 * instance on the controller, so it is sent again on every new session until acknowledged.
 */
import type { Ack, AttemptStatus } from '../protocol/messages.js';
import type { Outbox } from './outbox.js';

export type StatusReport = Omit<AttemptStatus, 'kind' | 'at'>;

export class StatusReporter {
  readonly #unacked = new Map<number, AttemptStatus>();
  readonly #outbox: Outbox;

  constructor(outbox: Outbox) {
    this.#outbox = outbox;
  }

  report(report: StatusReport): void {
    const status: AttemptStatus = { kind: 'attemptStatus', ...report, at: Date.now() };
    // delete first so the map's order stays the order of the latest reports
    this.#unacked.delete(status.attemptId);
    this.#unacked.set(status.attemptId, status);
    this.#outbox.send(status);
  }

  ack(statuses: Ack['statuses']): void {
    for (const { attemptId, state } of statuses) {
      // an ack of RUNNING must not drop a final status reported after it
      if (this.#unacked.get(attemptId)?.state === state) this.#unacked.delete(attemptId);
    }
  }

  resend(): void {
    for (const status of this.#unacked.values()) this.#outbox.send(status);
  }

  /** Attempts that have ended but whose final status the controller has not acknowledged. */
  unackedFinal(): number[] {
    return [...this.#unacked.values()].filter((s) => s.state !== 'RUNNING').map((s) => s.attemptId);
  }

  get pendingCount(): number {
    return this.#unacked.size;
  }
}
