/**
 * A failed lifecycle step as a typed value (STYLE §8): the reason the controller records, a
 * message for the user that names the object and the cause, and whether trying again could
 * help. Steps throw `StepFailed`; anything else they throw is an agent fault (AGENT_ERROR).
 */
import type { FailureReason } from '../../protocol/states.js';

export interface Failure {
  reason: FailureReason;
  message: string;
  /**
   * Whether another attempt could succeed (a 503, a busy server) or never will (a bad digest, an
   * unsafe zip). Sent with the failure (`attemptStatus.retryable`); the controller then fails
   * the instance at once rather than spending its retries.
   */
  retryable: boolean;
}

export class StepFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = 'StepFailed';
  }
}

export function fail(reason: FailureReason, message: string, retryable: boolean): StepFailed {
  return new StepFailed({ reason, message, retryable });
}

/** HTTP statuses worth another attempt: the URL may be re-signed, the server may recover. */
export function retryableStatus(status: number): boolean {
  return status === 403 || status === 408 || status === 429 || status >= 500;
}
