/**
 * Signed upload URLs, on request. An attempt about to upload its outputs sends `uploadRequest`
 * and waits for the `uploadGrant` with the same requestId, which the connection hands here.
 * The outbox drops what is queued while offline, so requests still unanswered are sent again
 * when a new session opens; signing the same files twice is harmless for the controller.
 */
import type { UploadGrant, UploadRequest } from '../protocol/messages.js';
import { log } from './log.js';
import type { Outbox } from './outbox.js';
import { fail } from './runner/failure.js';

export const GRANT_TIMEOUT_MS = 60_000;

interface Waiting {
  request: UploadRequest;
  resolve(grant: UploadGrant): void;
}

export class UploadGrants {
  readonly #outbox: Outbox;
  readonly #timeoutMs: number;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 0;

  constructor(outbox: Outbox, timeoutMs = GRANT_TIMEOUT_MS) {
    this.#outbox = outbox;
    this.#timeoutMs = timeoutMs;
  }

  /** Resolves with the grant (whose `error` the caller checks); rejects on timeout or abort. */
  request(attemptId: number, files: UploadRequest['files'], signal: AbortSignal): Promise<UploadGrant> {
    const request: UploadRequest = { kind: 'uploadRequest', attemptId, requestId: this.#nextId++, files };
    return new Promise<UploadGrant>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#waiting.delete(request.requestId);
      };
      const timer = setTimeout(() => {
        done();
        reject(fail('STAGE_OUT_ERROR', `no upload URLs from the controller within ${this.#timeoutMs / 1000} s`, true));
      }, this.#timeoutMs);
      const onAbort = (): void => {
        done();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.set(request.requestId, {
        request,
        resolve: (grant) => {
          done();
          resolve(grant);
        },
      });
      this.#outbox.send(request);
    });
  }

  receive(grant: UploadGrant): void {
    const waiting = this.#waiting.get(grant.requestId);
    if (waiting?.request.attemptId !== grant.attemptId) {
      log(
        `attempt ${grant.attemptId}: ignoring an uploadGrant for request ${grant.requestId}, which nothing waits for`,
      );
      return;
    }
    waiting.resolve(grant);
  }

  /** Called when a new session opens. */
  resend(): void {
    for (const { request } of this.#waiting.values()) this.#outbox.send(request);
  }
}
