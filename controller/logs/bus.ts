/** In-process wake-ups for log followers: "attempt N has new chunks or has ended". */
import { EventEmitter } from 'node:events';

export class LogBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  notify(attemptId: number): void {
    this.emitter.emit(String(attemptId));
  }

  /** Resolves at the next notification for `attemptId` or after `timeoutMs`, whichever first. */
  waitFor(attemptId: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const key = String(attemptId);
      const done = () => {
        clearTimeout(timer);
        this.emitter.off(key, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.emitter.on(key, done);
      signal?.addEventListener('abort', done);
    });
  }
}
